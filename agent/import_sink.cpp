#include "agent/import_sink.h"

#include <unistd.h>

#include <cstdio>

#include "storage/records/record_writer.h"
#include "storage/records/utf8.h"

namespace baton::agent {

namespace {

constexpr size_t kFlushBytes = 64u << 10;

// A CSV field, quoted only when it must be (as records::CsvWriter does).
void csv_field(std::string& out, std::string_view v) {
    if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
        out += v;
        return;
    }
    out += '"';
    for (char c : v) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
}

std::string reasons(std::span<const records::Problem> problems) {
    std::string out;
    for (const auto& p : problems) {
        if (!out.empty()) out += "; ";
        if (p.severity == records::Severity::warning) out += "warning: ";
        if (!p.field.empty()) out += "field '" + p.field + "': ";
        out += p.message + " [" + p.kind + "]";
    }
    return out;
}

}  // namespace

Result<std::unique_ptr<RejectsFile>> RejectsFile::create(const std::string& path, records::Format format,
                                                         std::vector<std::string> fields) {
    std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    BATON_ASSIGN(auto sink, records::FileSink::create(tmp));
    auto r = std::unique_ptr<RejectsFile>(new RejectsFile(path, tmp, format, std::move(sink)));
    r->fields_ = std::move(fields);
    if (format == records::Format::csv) {
        r->buf_ = "_line,_problems";
        for (const auto& f : r->fields_) csv_field(r->buf_ += ',', f);
        r->buf_ += "\r\n";
    }
    return r;
}

RejectsFile::~RejectsFile() {
    if (committed_) return;
    sink_.reset();
    ::unlink(tmp_.c_str());
}

void RejectsFile::append_csv(const records::Record& record, std::span<const records::FieldValue> row,
                             const std::string& why) {
    buf_ += std::to_string(record.line) + ",";
    csv_field(buf_, why);
    buf_ += ',';
    if (row.empty()) {
        buf_ += record.raw;  // its own (broken) CSV text, byte for byte
    } else {
        for (size_t i = 0; i < row.size(); ++i) {
            if (i) buf_ += ',';
            if (row[i]) csv_field(buf_, *row[i]);
        }
    }
    buf_ += "\r\n";
}

void RejectsFile::append_jsonl(const records::Record& record, std::span<const records::FieldValue> row,
                               const std::string& why) {
    buf_ += "{\"_line\":" + std::to_string(record.line) + ",\"_problems\":";
    records::append_json_string(buf_, why);
    if (row.empty() && records::utf8::is_valid(record.raw)) {
        records::append_json_string(buf_ += ",\"_raw\":", record.raw);
    } else if (row.empty()) {
        static const char* kHex = "0123456789abcdef";
        buf_ += ",\"_raw_hex\":\"";
        for (unsigned char c : record.raw) (buf_ += kHex[c >> 4]) += kHex[c & 15];
        buf_ += '"';
    }
    for (size_t i = 0; i < row.size() && i < fields_.size(); ++i) {
        records::append_json_string(buf_ += ',', fields_[i]);
        buf_ += ':';
        if (row[i]) records::append_json_string(buf_, *row[i]);
        else buf_ += "null";
    }
    buf_ += "}\n";
}

Status RejectsFile::write(const records::Record& record, std::span<const records::FieldValue> row,
                          std::span<const records::Problem> problems) {
    const std::string why = reasons(problems);
    if (format_ == records::Format::csv) append_csv(record, row, why);
    else append_jsonl(record, row, why);
    if (buf_.size() < kFlushBytes) return ok_status();
    auto st = sink_->write(buf_);
    buf_.clear();
    return st;
}

Status RejectsFile::commit() {
    BATON_TRY(sink_->write(buf_));
    buf_.clear();
    BATON_TRY(sink_->close());
    if (std::rename(tmp_.c_str(), path_.c_str()) != 0) return io_error("cannot write the rejects file " + path_);
    committed_ = true;
    return ok_status();
}

Status ImportSink::accept(const records::Record&, std::span<const records::FieldValue> row) {
    if (refused_ && !rejects_) return ok_status();
    return writer_.add(row);
}

Status ImportSink::reject(const records::Record& record, std::span<const records::FieldValue> row,
                          std::span<const records::Problem> problems) {
    refused_ = true;
    return rejects_ ? rejects_->write(record, row, problems) : ok_status();
}

}  // namespace baton::agent
