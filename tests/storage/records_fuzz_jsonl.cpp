// libFuzzer target: the JSON Lines tokenizer and reader on arbitrary bytes. Property: no crash,
// no sanitizer report; and whatever reads cleanly, written back with JsonlWriter, reads back the same.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "storage/records/jsonl_reader.h"
#include "storage/records/record_writer.h"

using namespace baton::records;

namespace {
using Rows = std::vector<std::vector<std::optional<std::string>>>;
const std::vector<std::string> kColumns{"a", "b", "\xE4\xB8\xAD"};

bool read_all(std::string_view data, const ReaderOptions& opt, Rows& rows) {
    MemorySource src(data);
    auto r = JsonlReader::open(src, "fuzz.jsonl", kColumns, opt);
    if (!r) return false;
    Record rec;
    bool clean = true;
    for (;;) {
        auto got = (*r)->next(rec);
        if (!got) return false;
        if (!*got) return clean;
        if (rec.problem) { clean = false; continue; }
        auto& row = rows.emplace_back();
        for (auto& v : rec.values) row.push_back(v ? std::optional<std::string>(std::string(*v)) : std::nullopt);
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    ReaderOptions opt;
    opt.encoding = static_cast<Encoding>(data[0] % 3);
    opt.read_chunk = 1 + (data[0] >> 2) % 7;
    opt.max_record_bytes = 256;
    opt.detect_sample = 32;
    opt.allow_no_records = true;
    Rows rows;
    if (!read_all(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1), opt, rows)) return 0;
    std::string out;
    StringSink sink(out);
    JsonlWriter w(sink, kColumns, {true, false, true});
    for (const auto& row : rows) {
        std::vector<FieldValue> v;
        for (const auto& x : row) v.push_back(x ? FieldValue(*x) : std::nullopt);
        if (!w.write(v)) std::abort();
    }
    if (!w.finish()) std::abort();
    ReaderOptions again;
    again.encoding = Encoding::utf8;
    again.allow_no_records = true;
    again.max_record_bytes = 1u << 20;
    Rows rows2;
    if (!read_all(out, again, rows2) || rows2 != rows) std::abort();
    return 0;
}
