// Helpers shared by the storage/records tests.
#pragma once

#include <iconv.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "storage/records/byte_io.h"
#include "storage/records/csv_reader.h"

namespace baton::records::testing {

using Row = std::vector<std::optional<std::string>>;

struct ReadResult {
    std::vector<std::string> columns;
    std::vector<Row> rows;
    std::vector<Problem> problems;
    std::optional<Error> error;  // a fatal error (open or next)
    Encoding encoding = Encoding::auto_detect;
};

inline Row copy_values(const Record& r) {
    Row row;
    for (const auto& v : r.values) row.push_back(v ? std::optional<std::string>(std::string(*v)) : std::nullopt);
    return row;
}

// Reads every record from `reader`; records with problems go to `problems`.
inline void drain(RecordReader& reader, ReadResult& out) {
    out.columns.assign(reader.columns().begin(), reader.columns().end());
    out.encoding = reader.encoding().encoding;
    Record rec;
    for (;;) {
        auto got = reader.next(rec);
        if (!got) { out.error = got.error(); return; }
        if (!*got) return;
        if (rec.problem) out.problems.push_back(*rec.problem);
        else out.rows.push_back(copy_values(rec));
    }
}

inline ReadResult read_csv(std::string_view data, ReaderOptions opt = {}, std::string name = "t.csv") {
    MemorySource src(data);
    ReadResult out;
    auto reader = CsvReader::open(src, name, opt);
    if (!reader) { out.error = reader.error(); return out; }
    drain(**reader, out);
    return out;
}

// UTF-8 -> GB18030 with glibc iconv, for building test inputs. Throws on failure (test-only).
inline std::string to_gb18030(std::string_view utf8) {
    iconv_t cd = iconv_open("GB18030", "UTF-8");
    if (cd == reinterpret_cast<iconv_t>(-1)) throw std::runtime_error("no iconv GB18030");
    std::string out(utf8.size() * 2 + 8, '\0');
    char* in = const_cast<char*>(utf8.data());
    size_t in_left = utf8.size();
    char* o = out.data();
    size_t o_left = out.size();
    size_t r = iconv(cd, &in, &in_left, &o, &o_left);
    iconv_close(cd);
    if (r == static_cast<size_t>(-1)) throw std::runtime_error("cannot encode to GB18030");
    out.resize(out.size() - o_left);
    return out;
}

// A source of `total` bytes: `head`, then `fill` repeated, then `tail`; never held in memory.
class PatternSource final : public ByteSource {
public:
    PatternSource(std::string head, char fill, uint64_t fill_bytes, std::string tail)
        : head_(std::move(head)), tail_(std::move(tail)), fill_(fill), fill_left_(fill_bytes) {}
    Result<size_t> read(std::span<char> out) override {
        size_t n = 0;
        while (n < out.size()) {
            if (head_pos_ < head_.size()) {
                out[n++] = head_[head_pos_++];
            } else if (fill_left_ > 0) {
                size_t k = static_cast<size_t>(std::min<uint64_t>(fill_left_, out.size() - n));
                std::fill(out.begin() + static_cast<ptrdiff_t>(n), out.begin() + static_cast<ptrdiff_t>(n + k), fill_);
                n += k;
                fill_left_ -= k;
            } else if (tail_pos_ < tail_.size()) {
                out[n++] = tail_[tail_pos_++];
            } else {
                break;
            }
        }
        served_ += n;
        return n;
    }
    uint64_t served() const { return served_; }

private:
    std::string head_, tail_;
    char fill_;
    uint64_t fill_left_;
    size_t head_pos_ = 0, tail_pos_ = 0;
    uint64_t served_ = 0;
};

}  // namespace baton::records::testing

#include "storage/records/jsonl_reader.h"

namespace baton::records::testing {

inline ReadResult read_jsonl(std::string_view data, std::vector<std::string> columns, ReaderOptions opt = {},
                             std::string name = "t.jsonl") {
    MemorySource src(data);
    ReadResult out;
    auto reader = JsonlReader::open(src, name, std::move(columns), opt);
    if (!reader) { out.error = reader.error(); return out; }
    drain(**reader, out);
    return out;
}

}  // namespace baton::records::testing
