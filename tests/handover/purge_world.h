// Helpers for the purge and notices end-to-end tests (purge_notices_test.cpp), on top of
// handover_world.h: blobs read straight from a home's database (the bytes a purge must destroy),
// a search for byte strings in every file of a home, and an RFC 4180 CSV reader for the notices.
#pragma once

#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/handover/handover_world.h"

namespace baton::handover_testing {

// Every value of the first column `sql` returns, as bytes. The database is opened read-only
// (no baton process may be writing it).
inline std::vector<std::string> query_blobs(const std::string& db_path, const std::string& sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    INFO(sql << ": " << sqlite3_errmsg(db));
    REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    std::vector<std::string> out;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const auto* p = static_cast<const char*>(sqlite3_column_blob(st, 0));
        out.emplace_back(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(st, 0)));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

inline int64_t query_int(const std::string& db_path, const std::string& sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    INFO(sql << ": " << sqlite3_errmsg(db));
    REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    const int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

// Slices of `len` bytes every `step` bytes of each blob (from offset `first`): needles to look for in
// the files. A slice may straddle a database page boundary and then is not stored contiguously,
// so callers compare fractions found, not single needles.
inline std::vector<std::string> needles_of(const std::vector<std::string>& blobs, size_t step, size_t len = 16,
                                           size_t first = 64) {
    std::vector<std::string> out;
    for (const auto& b : blobs)
        for (size_t off = std::min<size_t>(first, b.size() / 2); off + len <= b.size(); off += step)
            out.push_back(b.substr(off, len));
    return out;
}

// The bytes of every regular file under `dir`, recursively, with their paths.
inline std::vector<std::pair<std::string, std::string>> files_under(const std::string& dir) {
    std::vector<std::pair<std::string, std::string>> files;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
        if (e.is_regular_file()) files.emplace_back(e.path().string(), read_text(e.path().string()));
    return files;
}

// How many of `needles` occur in some file under `dir`; `where` gets "file: needle #i" lines.
inline size_t needles_found(const std::string& dir, const std::vector<std::string>& needles, std::string* where = nullptr) {
    const auto files = files_under(dir);
    size_t found = 0;
    for (size_t i = 0; i < needles.size(); ++i)
        for (const auto& [path, bytes] : files)
            if (bytes.find(needles[i]) != std::string::npos) {
                ++found;
                if (where) *where += path + ": needle #" + std::to_string(i) + "\n";
                break;
            }
    return found;
}

// The names and sizes of the files under `dir`, for failure messages.
inline std::string file_list(const std::string& dir) {
    std::string s;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
        if (e.is_regular_file()) s += e.path().string() + " (" + std::to_string(e.file_size()) + " bytes)\n";
    return s;
}

// An RFC 4180 reader: rows of fields; quoted fields may hold commas, quotes ("") and line breaks.
// Fails the test on a malformed file (a quote inside an unquoted field, an unterminated quote) or
// a line end other than CRLF.
inline std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string field;
    size_t i = 0;
    bool at_field_start = true;
    while (i < text.size()) {
        const char c = text[i];
        if (at_field_start && c == '"') {
            ++i;
            while (true) {
                REQUIRE(i < text.size());  // unterminated quote
                if (text[i] == '"') {
                    if (i + 1 < text.size() && text[i + 1] == '"') {
                        field += '"';
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                field += text[i++];
            }
            at_field_start = false;
            continue;
        }
        if (c == ',') {
            row.push_back(std::move(field));
            field.clear();
            at_field_start = true;
            ++i;
        } else if (c == '\r') {
            REQUIRE(i + 1 < text.size());
            REQUIRE(text[i + 1] == '\n');
            row.push_back(std::move(field));
            field.clear();
            rows.push_back(std::move(row));
            row.clear();
            at_field_start = true;
            i += 2;
        } else {
            REQUIRE(c != '\n');  // bare LF
            REQUIRE(c != '"');   // quote inside an unquoted field
            field += c;
            at_field_start = false;
            ++i;
        }
    }
    REQUIRE(at_field_start);  // the last record ends with CRLF
    REQUIRE(row.empty());
    return rows;
}

}  // namespace baton::handover_testing
