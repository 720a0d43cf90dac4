// How a stored record set is sent in a stage (docs/handover.md "Stage plaintext"), and how the
// buyer reads the schema a set was sent with.
//
// The schema as sent: dropped fields are gone; masked and pseudonymized fields are typed string,
// keep `required` and lose `unique`, `references`, `max_length` (a pseudonym is 28 characters
// whatever the source's limit) and every type option. The primary key lists the source key's
// fields that are not dropped; a plan that drops every key field of a set cannot be sent (a
// schema needs a primary key).
#pragma once

#include <string>
#include <vector>

#include "storage/handover_store.h"
#include "storage/record_store.h"
#include "storage/records/masking.h"
#include "storage/records/schema.h"

namespace baton::storage {

struct SentSet {
    RecordSetInfo info;
    records::Schema source;
    std::vector<records::MaskRule> rules;  // per source field
    std::vector<size_t> sent_fields;       // the source field index of each field as sent
    records::Schema sent;
    std::string schema_json;               // records::schema_to_json(sent)
    std::vector<std::string> columns;      // the source's column order, minus dropped fields
    std::vector<PrepareField> masks;       // one per source field, in schema order
    std::vector<size_t> total_fields;      // fields as sent (indices) that get a control total
    bool pseudonymizes = false;
};

// Plans how `set` is sent. Fails (conflict) when the set is not stored; (bad_input) when a rule
// names a field the set does not have, names a field twice, or the plan drops every primary key
// field; (usage) for an unknown rule; (verify_failed) when the stored schema does not parse.
Result<SentSet> plan_sent_set(Database& db, const PrepareSet& set);

// A set's schema as received, and where each export column's value is in a record.
struct ReceivedSet {
    records::Schema schema;
    std::vector<size_t> column_fields;     // per column: its field index in the schema
};

// Parses a set's schema as sent. Fails (bad_input) when it does not parse, names another set, or
// the columns are not exactly its fields.
Result<ReceivedSet> parse_received_set(const CheckSet& set);

}  // namespace baton::storage
