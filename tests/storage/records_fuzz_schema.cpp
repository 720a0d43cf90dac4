// libFuzzer target: schema parsing, and validation of a few rows against whatever parsed.
// Property: no crash, no sanitizer report; a parsed schema survives schema_to_json unchanged.
#include <sodium.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "storage/records/validator.h"

using namespace baton;
using namespace baton::records;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const bool init = sodium_init() >= 0;
    if (!init) std::abort();
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto schema = parse_schema(text, "fuzz.json");
    if (!schema) return 0;
    auto again = parse_schema(schema_to_json(*schema), "canonical");
    if (!again || !(*again == *schema)) std::abort();
    Secret<32> key;
    KeyHasher hasher(key);
    KeyHashSet empty;
    MapReferenceLookup lookup;
    for (const auto& f : schema->fields)
        if (f.references) lookup.add(*f.references, &empty);
    auto v = Validator::create(*schema, hasher, &lookup, ValidatorOptions{CivilDate{2026, 1, 1}});
    if (!v) return 0;
    const std::vector<std::string> samples{"0",      "11010519491231002X", "13812341234", "2024-02-29", "A", "x@y.cn",
                                           "1.5E+17"};
    std::vector<FieldValue> row(schema->fields.size());
    std::vector<Problem> problems;
    for (size_t r = 0; r < samples.size(); ++r) {
        for (size_t i = 0; i < row.size(); ++i)
            row[i] = (i + r) % 8 == 7 ? std::nullopt : FieldValue(samples[(i + r) % samples.size()]);
        (void)(*v)->check_row(r + 2, row, problems);
    }
    return 0;
}
