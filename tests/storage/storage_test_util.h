// Helpers for the storage/ tests: a fresh temporary directory per test, removed afterwards.
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "storage/db.h"

namespace baton::storage::testing {

class TempDir {
public:
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "baton-storage-XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

inline Database open_db(const std::string& path, bool create = true) {
    auto db = Database::open(path, create);
    REQUIRE(db.ok());
    return std::move(db).value();
}

// The single value of a one-row, one-column query.
inline std::string query_text(Database& db, std::string_view sql) {
    auto st = db.prepare(sql);
    REQUIRE(st.ok());
    auto row = st->step();
    REQUIRE(row.ok());
    REQUIRE(*row);
    return st->column_text(0);
}

inline int64_t query_int(Database& db, std::string_view sql) {
    auto st = db.prepare(sql);
    REQUIRE(st.ok());
    auto row = st->step();
    REQUIRE(row.ok());
    REQUIRE(*row);
    return st->column_int64(0);
}

}  // namespace baton::storage::testing
