#include "storage/db.h"

#include <sqlite3.h>

#include "storage/migrations.h"

namespace baton::storage {

bool Database::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

Error sqlite_error(sqlite3* db, std::string_view doing) {
    int code = db ? sqlite3_extended_errcode(db) : SQLITE_ERROR;
    std::string msg = std::string(doing) + ": " + (db ? sqlite3_errmsg(db) : "out of memory");
    if ((code & 0xff) == SQLITE_FULL) msg += " (the disk is full: free space and retry; nothing was lost)";
    if ((code & 0xff) == SQLITE_IOERR)
        msg += " (the disk failed a read or write: check it, then retry; the change in progress was not saved)";
    return io_error(msg);
}

// ---- Statement --------------------------------------------------------------------------------

Statement::Statement(Statement&& o) noexcept : stmt_(o.stmt_), db_(o.db_) { o.stmt_ = nullptr; }
Statement& Statement::operator=(Statement&& o) noexcept {
    if (this != &o) {
        sqlite3_finalize(stmt_);
        stmt_ = o.stmt_;
        db_ = o.db_;
        o.stmt_ = nullptr;
    }
    return *this;
}
Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
}
Statement& Statement::bind(int index, std::string_view text) {
    sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    return *this;
}
Statement& Statement::bind_blob(int index, ByteView blob) {
    // A zero-length blob is still a blob, never NULL.
    static const uint8_t kEmpty = 0;
    sqlite3_bind_blob64(stmt_, index, blob.empty() ? &kEmpty : blob.data(), blob.size(), SQLITE_TRANSIENT);
    return *this;
}
Statement& Statement::bind_null(int index) {
    sqlite3_bind_null(stmt_, index);
    return *this;
}

Result<bool> Statement::step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return sqlite_error(db_, "database statement failed");
}

Status Statement::run() {
    BATON_ASSIGN(bool row, step());
    (void)row;
    reset();
    return ok_status();
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

int64_t Statement::column_int64(int index) const { return sqlite3_column_int64(stmt_, index); }
std::string Statement::column_text(int index) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, index))) : std::string();
}
Bytes Statement::column_blob(int index) const {
    auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, index));
    return p ? Bytes(p, p + sqlite3_column_bytes(stmt_, index)) : Bytes();
}
bool Statement::column_is_null(int index) const { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }

// ---- Database ---------------------------------------------------------------------------------

Result<Database> Database::open(const std::string& path, bool create) {
    sqlite3* raw = nullptr;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    Database db(raw);
    if (rc != SQLITE_OK) return sqlite_error(raw, "cannot open database " + path);
    sqlite3_extended_result_codes(raw, 1);
    // The busy timeout first: switching to WAL, and the recovery of a WAL left by a killed
    // process, need locks that another connection (a restarted agent's, a reader's) may hold
    // for a moment. Without it, an agent restarted right after a kill -9 failed at once with
    // "database is locked" (found by tests/chaos/phase_kills_test.cpp).
    BATON_TRY(db.exec("PRAGMA busy_timeout=10000; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                      "PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON; PRAGMA temp_store=MEMORY;"));
    BATON_TRY(db.migrate());
    return db;
}

Database::Database(Database&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
Database& Database::operator=(Database&& o) noexcept {
    if (this != &o) {
        sqlite3_close_v2(db_);
        db_ = o.db_;
        o.db_ = nullptr;
    }
    return *this;
}
Database::~Database() { sqlite3_close_v2(db_); }

Status Database::exec(std::string_view sql) {
    std::string s(sql);
    if (sqlite3_exec(db_, s.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) return sqlite_error(db_, "database error");
    return ok_status();
}

Result<Statement> Database::prepare(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK)
        return sqlite_error(db_, "cannot prepare statement");
    return Statement(stmt, db_);
}

int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

std::string Database::directory() const {
    const char* f = sqlite3_db_filename(db_, "main");
    const std::string file = f ? f : "";
    const auto slash = file.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : file.substr(0, slash);
}

int Database::schema_version() const {
    sqlite3_stmt* stmt = nullptr;
    int v = 0;
    if (sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
        v = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    return v;
}

Result<std::optional<std::string>> Database::meta(std::string_view key) {
    BATON_ASSIGN(auto st, prepare("SELECT value FROM meta WHERE key = ?"));
    st.bind(1, key);
    BATON_ASSIGN(bool row, st.step());
    if (!row) return std::optional<std::string>();
    return std::optional<std::string>(st.column_text(0));
}

Status Database::set_meta(std::string_view key, std::string_view value) {
    BATON_ASSIGN(auto st, prepare("INSERT INTO meta(key, value) VALUES(?, ?) "
                                  "ON CONFLICT(key) DO UPDATE SET value = excluded.value"));
    st.bind(1, key).bind(2, value);
    return st.run();
}

Status Database::migrate() {
    int current = schema_version();
    for (const auto& m : migrations()) {
        if (m.version <= current) continue;
        BATON_ASSIGN(auto tx, Transaction::begin(*this));
        auto applied = exec(m.sql);
        if (!applied) return applied.error().context("migration " + std::to_string(m.version));
        BATON_TRY(exec("PRAGMA user_version = " + std::to_string(m.version)));
        BATON_TRY(tx.commit());
    }
    if (current > latest_schema_version())
        return conflict_error("database schema " + std::to_string(current) + " is newer than this baton (" +
                              std::to_string(latest_schema_version()) + "): upgrade baton");
    return ok_status();
}

// ---- Transaction ------------------------------------------------------------------------------

Result<Transaction> Transaction::begin(Database& db) {
    BATON_TRY(db.exec("BEGIN IMMEDIATE"));
    return Transaction(&db);
}

Transaction::~Transaction() {
    if (db_) (void)db_->exec("ROLLBACK");
}

Status Transaction::commit() {
    Database* db = db_;
    db_ = nullptr;
    auto st = db->exec("COMMIT");
    if (!st) (void)db->exec("ROLLBACK");
    return st;
}

}  // namespace baton::storage
