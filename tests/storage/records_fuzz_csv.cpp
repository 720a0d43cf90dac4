// libFuzzer target: the CSV reader on arbitrary bytes, in every encoding, with small bounds and
// tiny reads. Properties: no crash, no sanitizer report; whatever reads cleanly, written back
// with CsvWriter, reads back the same; and for UTF-8 input it agrees with a naive whole-buffer
// reference parser (reference() below).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "storage/records/csv_reader.h"
#include "storage/records/record_writer.h"

using namespace baton::records;

namespace {
using Rows = std::vector<std::vector<std::optional<std::string>>>;

bool read_all(std::string_view data, const ReaderOptions& opt, std::vector<std::string>& cols, Rows& rows) {
    MemorySource src(data);
    auto r = CsvReader::open(src, "fuzz.csv", opt);
    if (!r) return false;
    cols.assign((*r)->columns().begin(), (*r)->columns().end());
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
// RFC 4180 the slow, obvious way: header included; nullopt on any structural error.
std::optional<Rows> reference(std::string_view in) {
    Rows rows;
    std::vector<std::optional<std::string>> row;
    std::string field;
    size_t i = 0;
    auto end_field = [&] {
        row.push_back(field.empty() ? std::nullopt : std::optional<std::string>(field));
        field.clear();
    };
    while (i < in.size()) {
        if (in[i] == '"') {
            for (++i;; ++i) {
                if (i >= in.size()) return std::nullopt;
                if (in[i] == '"' && i + 1 < in.size() && in[i + 1] == '"') { field += '"'; ++i; continue; }
                if (in[i] == '"') { ++i; break; }
                field += in[i];
            }
        } else {
            while (i < in.size() && in[i] != ',' && in[i] != '\r' && in[i] != '\n') {
                if (in[i] == '"' || in[i] == '\0') return std::nullopt;
                field += in[i++];
            }
        }
        if (i == in.size()) break;
        if (in[i] == ',') { end_field(); ++i; if (i == in.size()) break; continue; }
        if (in[i] == '\r') { if (i + 1 >= in.size() || in[i + 1] != '\n') return std::nullopt; ++i; }
        if (in[i] != '\n') return std::nullopt;
        end_field();
        rows.push_back(std::move(row));
        row.clear();
        ++i;
    }
    if (i == in.size() && (!row.empty() || !field.empty() || (!in.empty() && in.back() != '\n'))) {
        end_field();
        rows.push_back(std::move(row));
    }
    for (const auto& r : rows) if (r.size() != rows[0].size()) return std::nullopt;
    return rows;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    ReaderOptions opt;
    opt.encoding = static_cast<Encoding>(data[0] % 3);
    opt.read_chunk = 1 + (data[0] >> 2) % 7;
    opt.max_field_bytes = 64;
    opt.max_record_bytes = 256;
    opt.detect_sample = 32;
    opt.allow_no_records = true;
    std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    std::vector<std::string> cols;
    Rows rows;
    if (!read_all(input, opt, cols, rows)) return 0;
    if (opt.encoding == Encoding::utf8 && !input.starts_with("\xEF\xBB\xBF")) {
        auto ref = reference(input);
        if (!ref || ref->empty()) std::abort();  // we read cleanly, so the reference must too
        Rows with_header = {{}};
        for (const auto& c : cols) with_header[0].push_back(c);
        with_header.insert(with_header.end(), rows.begin(), rows.end());
        if (*ref != with_header) std::abort();
    }
    std::string out;
    StringSink sink(out);
    CsvWriter w(sink, cols);
    for (const auto& row : rows) {
        std::vector<FieldValue> v;
        for (const auto& x : row) v.push_back(x ? FieldValue(*x) : std::nullopt);
        if (!w.write(v)) std::abort();
    }
    if (!w.finish()) std::abort();
    ReaderOptions again;
    again.encoding = Encoding::utf8;
    again.allow_no_records = true;
    std::vector<std::string> cols2;
    Rows rows2;
    if (!read_all(out, again, cols2, rows2) || cols2 != cols || rows2 != rows) std::abort();
    return 0;
}
