#include "agent/export_file.h"

#include <unistd.h>

#include <cstdio>

namespace baton::agent {

namespace {

Result<uint64_t> write_records(const std::vector<std::string>& columns, const NextRecord& next, records::Format format,
                               records::ByteSink& sink) {
    std::unique_ptr<records::RecordWriter> writer;
    if (format == records::Format::csv) writer = std::make_unique<records::CsvWriter>(sink, columns);
    else writer = std::make_unique<records::JsonlWriter>(sink, columns);
    std::vector<records::FieldValue> row;
    for (uint64_t n = 0;; ++n) {
        BATON_ASSIGN(bool more, next(row));
        if (!more) {
            BATON_TRY(writer->finish());
            return n;
        }
        BATON_TRY(writer->write(row));
    }
}

}  // namespace

const char* format_name(records::Format f) { return f == records::Format::csv ? "csv" : "jsonl"; }

Result<uint64_t> write_export_file(const std::string& out, records::Format format,
                                   const std::vector<std::string>& columns, const NextRecord& next) {
    const std::string tmp = out + ".tmp-" + std::to_string(::getpid());
    BATON_ASSIGN(auto sink, records::FileSink::create(tmp));
    auto written = write_records(columns, next, format, *sink);
    Status done = written ? sink->close() : Status(written.error());
    if (done && std::rename(tmp.c_str(), out.c_str()) != 0) done = io_error("cannot write " + out);
    if (!done) {
        sink.reset();
        ::unlink(tmp.c_str());
        return done.error();
    }
    return *written;
}

}  // namespace baton::agent
