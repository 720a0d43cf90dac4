// The fields a PIPL Art. 22 notice batch (baton notices) takes from a received record set, and how
// one record becomes one notice row. Pure: no I/O, no database.
//
// The rule (also in `baton notices --help` and docs/witness.md "Notices"), applied to the set's
// schema as sent (the manifest's schema_json) and the masking rules the manifest lists:
//   - a field is a CONTACT field when its type as sent is cn_mobile or email, or its name
//     (ASCII letters compared case-insensitively) contains one of
//       name  addr  contact  phone  mobile  mail  姓名  名称  地址  电话  手机  联系  邮箱  邮件
//     — unless the name is an identifier (it is "id" or ends in "_id", "-id" or " id"), or the field,
//     matched by its name only, is in the set's primary key (the customer_key column holds it) or
//     references another set;
//   - a contact field is a CHANNEL (a way to reach the person) when its type is cn_mobile or
//     email or its name contains one of those words other than name, 姓名, 名称;
//   - a set is a CUSTOMER set when it has at least one contact field; each of its records is one
//     customer, keyed by the set's primary key.
// Masked and pseudonymized fields travel typed string, and dropped fields not at all, so those are
// recognized by name only (a dropped field is known from the manifest's rules).
// A record is REACHABLE when at least one channel field was kept and holds a non-empty value; a
// masked (138****1234), pseudonymized or dropped channel cannot be used to notify anyone.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "protocol/handover/statements.h"
#include "storage/records/record_reader.h"

namespace baton::agent {

bool is_contact_field(std::string_view name, std::string_view type);
bool is_channel_field(std::string_view name, std::string_view type);

struct ContactField {
    std::string name;
    std::string rule = "keep";           // keep | mask | pseudonymize | drop (the manifest's)
    bool channel = false;
    std::optional<size_t> column;        // index in the set's columns; nullopt when dropped
};

// The notice view of one received set.
struct NoticeSet {
    std::vector<ContactField> fields;    // contact fields, in the seller's field order
    std::vector<std::string> key_names;  // primary key fields present in the set as sent
    std::vector<size_t> key_columns;     // their column indices
    bool customers() const { return !fields.empty(); }
};

// Fails (verify_failed) when the set's schema does not parse or names a column the set lacks.
Result<NoticeSet> notice_set(const handover::SetSummary& set);

// What one record gives a notice row.
struct NoticeRow {
    std::string key;                     // the primary key value; several fields: "f1=v1; f2=v2"
    std::vector<std::optional<std::string_view>> values;  // per NoticeSet field (null when dropped or null)
    std::vector<std::string> reachable;  // channel fields that can be used
    std::vector<std::string> notes;      // "mobile: masked", "email: dropped", "phone: empty"
};

// REQUIRES: `row` holds one value per column of the set. Views point into `row`.
NoticeRow notice_row(const NoticeSet& set, std::span<const records::FieldValue> row);

}  // namespace baton::agent
