#include "storage/records/record_writer.h"

#include <cstdio>

#include "storage/records/json_line.h"

namespace baton::records {

namespace {
constexpr size_t kFlushBytes = 64u << 10;

// True when `v` holds a byte that RFC 4180 requires quoting for. One pass: string_view's
// find_first_of calls memchr over the set once per byte, the largest cost of a CSV export.
bool needs_quotes(std::string_view v) {
    for (const char c : v)
        if (c == ',' || c == '"' || c == '\r' || c == '\n') return true;
    return false;
}
}  // namespace

Status BufferedWriter::finish() {
    if (dead_) return *dead_;
    if (buf_.empty()) return ok_status();
    auto st = sink_.write(buf_);
    buf_.clear();
    if (!st) dead_ = st.error();
    return st;
}

Status BufferedWriter::maybe_flush() {
    if (buf_.size() < kFlushBytes && !dead_) return ok_status();
    return finish();
}

CsvWriter::CsvWriter(ByteSink& sink, std::span<const std::string> columns, std::string line_end)
    : BufferedWriter(sink), line_end_(std::move(line_end)) {
    for (size_t c = 0; c < columns.size(); ++c) {
        if (c) buf_ += ',';
        // A first name starting with U+FEFF would read back as a byte order mark: quote it.
        field(columns[c], c == 0 && columns[c].starts_with("\xEF\xBB\xBF"));
    }
    buf_ += line_end_;
}

void CsvWriter::field(std::string_view v, bool force_quotes) {
    if (!force_quotes && !needs_quotes(v)) {
        buf_ += v;
        return;
    }
    buf_ += '"';
    for (char c : v) {
        if (c == '"') buf_ += '"';
        buf_ += c;
    }
    buf_ += '"';
}

Status CsvWriter::write(std::span<const FieldValue> values) {
    for (size_t c = 0; c < values.size(); ++c) {
        if (c) buf_ += ',';
        if (values[c]) field(*values[c]);
    }
    buf_ += line_end_;
    return maybe_flush();
}

void append_json_string(std::string& out, std::string_view v) {
    out += '"';
    for (char ch : v) {
        const auto c = static_cast<unsigned char>(ch);
        switch (ch) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
            if (c < 0x20) {
                char esc[8];
                std::snprintf(esc, sizeof esc, "\\u%04x", c);
                out += esc;
            } else {
                out += ch;
            }
        }
    }
    out += '"';
}

JsonlWriter::JsonlWriter(ByteSink& sink, std::span<const std::string> columns, std::vector<bool> numeric)
    : BufferedWriter(sink), numeric_(std::move(numeric)) {
    for (const auto& c : columns) {
        std::string k;
        append_json_string(k, c);
        keys_.push_back(std::move(k));
    }
    numeric_.resize(keys_.size(), false);
}

Status JsonlWriter::write(std::span<const FieldValue> values) {
    buf_ += '{';
    for (size_t c = 0; c < values.size(); ++c) {
        if (c) buf_ += ',';
        buf_ += keys_[c];
        buf_ += ':';
        if (!values[c]) buf_ += "null";
        else if (numeric_[c] && is_json_number(*values[c])) buf_ += *values[c];
        else append_json_string(buf_, *values[c]);
    }
    buf_ += "}\n";
    return maybe_flush();
}

}  // namespace baton::records
