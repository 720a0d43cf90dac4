// The database schema as numbered migrations. A migration, once released, never changes: a new
// schema is a new migration appended at the end. docs/storage.md describes every table.
#pragma once

#include <span>

namespace baton::storage {

struct Migration {
    int version;
    const char* sql;
};

std::span<const Migration> migrations();
int latest_schema_version();

}  // namespace baton::storage
