// Checks of one non-null value against its field's type (DESIGN §6). Types validate; they never
// reformat: a value is accepted or reported, never changed.
//
// Errors and warnings (a warning is reported but does not refuse the row):
//  - excel_scientific_notation (error): a value shaped like Excel's display of a big number,
//    "1.23457E+17", in an integer, decimal, cn_resident_id, cn_mobile or cn_uscc field, or in a
//    string field that identifies records (primary key, unique or references). The digits are
//    gone; only a re-export of the column as text can recover them.
//  - excel_precision_loss: Excel keeps 15 significant digits, so an 18-digit ID typed into a
//    General cell comes back ending in "000".
//      * cn_resident_id / cn_uscc ending in "000" whose check character fails: error (reported
//        instead of bad_checksum — the likely cause, and not a USCC warning even when not strict);
//      * the same with a passing check character: warning (1 in 11 truncated IDs still pass);
//      * an all-digit value of 16+ digits whose digits after the 15th are zeros, with at least
//        three trailing zeros, in an integer field or an identifying string field: warning
//        (there is no check digit to tell).
//  - cn_uscc check character failing (bad_checksum): warning, error when the field is strict.
//  - every other finding is an error.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/records/problem.h"
#include "storage/records/schema.h"

namespace baton::records {

struct CivilDate {
    int year = 1970;
    int month = 1;
    int day = 1;
    auto operator<=>(const CivilDate&) const = default;
};

// The current date in China Standard Time (UTC+8), from the system clock.
CivilDate today_in_china();

bool is_valid_date(int year, int month, int day);

struct Finding {
    Severity severity = Severity::error;
    std::string_view kind;
    std::string message;
};

struct CheckContext {
    CivilDate today;          // birth dates after it are refused
    bool identifying = false; // the field is a primary key part, unique, or references another set
};

// Checks `value` (non-empty, valid UTF-8) for field `f`'s type and max_length; enum membership
// is left to the caller (it keeps a set per field). Returns the first finding per concern (at
// most one type finding, one length finding), appended to `out`.
void check_value(const FieldDef& f, std::string_view value, const CheckContext& ctx, std::vector<Finding>& out);

// True for Excel's display form of a big number: d[.d{1,14}]E(+|-)dd[d].
bool looks_like_excel_scientific(std::string_view v);

}  // namespace baton::records
