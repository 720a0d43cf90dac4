#include "storage/records/jsonl_reader.h"

#include <cstring>

namespace baton::records {

JsonlReader::JsonlReader(ByteSource& source, std::string file, std::vector<std::string> columns,
                         ReaderOptions options)
    : file_(std::move(file)), opt_(options),
      in_(source, options.max_record_bytes + options.read_chunk + 2, options.read_chunk),
      columns_(std::move(columns)) {}

Result<std::unique_ptr<JsonlReader>> JsonlReader::open(ByteSource& source, std::string file,
                                                       std::vector<std::string> columns, ReaderOptions options) {
    BATON_TRY(check_options(options));
    if (columns.empty()) return usage_error("JSON Lines reader needs at least one column");
    std::unique_ptr<JsonlReader> r(new JsonlReader(source, std::move(file), std::move(columns), options));
    for (size_t c = 0; c < r->columns_.size(); ++c)
        if (!r->index_.emplace(r->columns_[c], c).second)
            return usage_error("JSON Lines reader: column '" + r->columns_[c] + "' given twice");
    BATON_ASSIGN(TextDecoder d, open_decoder(r->in_, options, r->file_));
    r->decoder_.emplace(std::move(d));
    return r;
}

Error JsonlReader::fail(Error e) {
    dead_ = e;
    return e;
}

Result<bool> JsonlReader::find_line() {
    in_.consume(consumed_len_);
    consumed_len_ = 0;
    scan_pos_ = 0;
    ++line_;
    for (;;) {
        const char* w = in_.window();
        const size_t n = in_.available();
        const void* lf = std::memchr(w + scan_pos_, '\n', n - scan_pos_);
        if (lf) {
            line_len_ = static_cast<size_t>(static_cast<const char*>(lf) - w);
            consumed_len_ = line_len_ + 1;
            break;
        }
        scan_pos_ = n;
        if (n > opt_.max_record_bytes) {
            line_len_ = n;  // already too long: refused below
            break;
        }
        if (in_.at_eof()) {
            if (n == 0) return false;
            line_len_ = consumed_len_ = n;
            break;
        }
        auto st = in_.refill();
        if (!st) return fail(st.error());
    }
    if (line_len_ > opt_.max_record_bytes)
        return fail(reader_error(file_, line_, in_.window_offset(),
                                 "the line is longer than " + std::to_string(opt_.max_record_bytes) + " bytes"));
    if (const void* nul = std::memchr(in_.window(), '\0', line_len_)) {
        const auto at = static_cast<size_t>(static_cast<const char*>(nul) - in_.window());
        return fail(reader_error(file_, line_, in_.window_offset() + at,
                                 "NUL byte: this is not a text file (UTF-16 and binary files are not supported)"));
    }
    return true;
}

Result<bool> JsonlReader::next(Record& out) {
    if (dead_) return *dead_;
    BATON_ASSIGN(bool got, find_line());
    if (!got) {
        if (records_ == 0 && !opt_.allow_no_records) return fail(input_error(file_ + ": the file has no records"));
        return false;
    }
    ++records_;
    out.line = out.end_line = line_;
    out.offset = in_.window_offset();
    out.raw = std::string_view(in_.window(), line_len_);
    out.problem = parse_line(std::string_view(in_.window(), line_len_), out);
    return true;
}

Problem JsonlReader::problem_at(size_t pos, bool exact, std::string_view kind, std::string message,
                                std::string field) const {
    const uint64_t offset = in_.window_offset() + (exact ? pos : 0);
    if (!exact) message += " (at byte " + std::to_string(pos + 1) + " of the line converted to UTF-8)";
    return Problem{line_, offset, std::move(field), std::string(kind), std::move(message), Severity::error};
}

std::optional<Problem> JsonlReader::parse_line(std::string_view raw, Record& out) {
    decoded_.clear();
    TextDecoder::Outcome o = decoder_->decode(raw, decoded_);
    if (!o.ok)
        return problem_at(o.bad_index, true, kind::invalid_encoding, decoder_->describe_failure(raw, o.bad_index), "");
    std::string_view text = o.in_arena ? std::string_view(decoded_).substr(o.begin, o.size) : raw;
    return map_members(text, !o.in_arena, out);
}

std::optional<Problem> JsonlReader::map_members(std::string_view text, bool exact, Record& out) {
    if (auto e = parse_json_line(text, members_, arena_))
        return problem_at(e->pos, exact, e->kind, e->message, e->field);
    out.values.assign(columns_.size(), std::nullopt);
    seen_.assign(columns_.size(), false);
    for (const JsonMember& m : members_) {
        auto it = index_.find(m.key);
        if (it == index_.end())
            return problem_at(m.pos, exact, kind::unknown_field, "key is not a column of this set", std::string(m.key));
        if (seen_[it->second])
            return problem_at(m.pos, exact, kind::duplicate_field, "key appears twice in the object",
                              std::string(m.key));
        seen_[it->second] = true;
        out.values[it->second] = m.value;
    }
    return std::nullopt;
}

}  // namespace baton::records
