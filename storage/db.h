// The agent's SQLite database: one file per home, WAL mode, numbered migrations.
//
// Durability contract: journal_mode=WAL with synchronous=FULL, so a transaction that
// Transaction::commit() reported as committed survives a power cut (the WAL is fsynced at every
// commit). secure_delete=ON overwrites deleted content, temp_store=MEMORY keeps temporary
// tables and indices off the disk.
//
// Thread-safety: a Database is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace baton::storage {

class Statement {
public:
    Statement(Statement&&) noexcept;
    Statement& operator=(Statement&&) noexcept;
    ~Statement();

    // Parameters are numbered from 1, as in SQLite.
    Statement& bind(int index, int64_t value);
    Statement& bind(int index, std::string_view text);
    Statement& bind_blob(int index, ByteView blob);
    Statement& bind_null(int index);

    // Advances: true with a row available, false when done. Fails (io) with SQLite's message,
    // e.g. on a full disk.
    Result<bool> step();
    // Runs a statement that returns no rows.
    Status run();
    void reset();

    int64_t column_int64(int index) const;
    std::string column_text(int index) const;
    Bytes column_blob(int index) const;
    bool column_is_null(int index) const;

private:
    friend class Database;
    Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
    sqlite3_stmt* stmt_;
    sqlite3* db_;
};

class Database {
public:
    // Opens (create=true: creates) the database at `path`, applies the pragmas above and runs
    // every migration not yet applied, each in its own transaction. Fails (io) naming the path.
    static Result<Database> open(const std::string& path, bool create);

    Database(Database&&) noexcept;
    Database& operator=(Database&&) noexcept;
    ~Database();

    // True inside an open transaction (SQLite is not in autocommit mode).
    bool in_transaction() const;
    Status exec(std::string_view sql);
    Result<Statement> prepare(std::string_view sql);
    int64_t last_insert_rowid() const;
    int schema_version() const;
    // The directory that holds the database file: where its scratch files belong.
    std::string directory() const;

    // A string value from the meta table, if present.
    Result<std::optional<std::string>> meta(std::string_view key);
    Status set_meta(std::string_view key, std::string_view value);

private:
    explicit Database(sqlite3* db) : db_(db) {}
    Status migrate();
    sqlite3* db_;
};

// BEGIN IMMEDIATE on construction; rolls back on destruction unless commit() succeeded.
class Transaction {
public:
    static Result<Transaction> begin(Database& db);
    Transaction(Transaction&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
    Transaction& operator=(Transaction&&) = delete;
    ~Transaction();
    Status commit();

private:
    explicit Transaction(Database* db) : db_(db) {}
    Database* db_;
};

// Error for a failed SQLite call, kind io, with SQLite's message and what was being done.
Error sqlite_error(sqlite3* db, std::string_view doing);

}  // namespace baton::storage
