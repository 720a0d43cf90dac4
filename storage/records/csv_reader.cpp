#include "storage/records/csv_reader.h"

#include <algorithm>
#include <array>
#include <unordered_map>

namespace baton::records {

namespace {

using Table = std::array<bool, 256>;

constexpr Table make_table(std::string_view stops) {
    Table t{};
    for (char c : stops) t[static_cast<unsigned char>(c)] = true;
    return t;
}

// Bytes that end a run of ordinary bytes, outside and inside quotes.
constexpr Table kUnquotedStop = make_table(std::string_view(",\"\r\n\0", 5));
constexpr Table kQuotedStop = make_table(std::string_view("\"\n\0", 3));

inline unsigned char uc(char c) { return static_cast<unsigned char>(c); }

constexpr std::string_view kNulMessage =
    "NUL byte: this is not a text file (UTF-16 and binary files are not supported)";

}  // namespace

CsvReader::CsvReader(ByteSource& source, std::string file, ReaderOptions options)
    : file_(std::move(file)), opt_(options),
      in_(source, options.max_record_bytes + options.read_chunk + 2, options.read_chunk) {}

Result<std::unique_ptr<CsvReader>> CsvReader::open(ByteSource& source, std::string file, ReaderOptions options) {
    BATON_TRY(check_options(options));
    std::unique_ptr<CsvReader> r(new CsvReader(source, std::move(file), options));
    BATON_TRY(r->init());
    return r;
}

Status CsvReader::init() {
    BATON_ASSIGN(TextDecoder d, open_decoder(in_, opt_, file_));
    decoder_.emplace(std::move(d));
    return read_header();
}

Error CsvReader::fail(Error e) {
    dead_ = e;
    return e;
}

Error CsvReader::fatal(size_t rel_pos, std::string_view message, uint64_t line) {
    return fail(reader_error(file_, line ? line : line_, in_.window_offset() + rel_pos, message));
}

// Line where the current field starts (a quoted field may span lines).
uint64_t CsvReader::field_line() const {
    return (state_ == State::quoted || state_ == State::quote_seen) ? quote_line_ : line_;
}

std::string CsvReader::column_label(size_t column) const {
    std::string s = "column " + std::to_string(column + 1);
    if (column < columns_.size()) s += " ('" + columns_[column] + "')";
    return s;
}

Status CsvReader::read_header() {
    span_cap_ = opt_.max_columns + 1;
    BATON_ASSIGN(bool got, scan_record());
    if (!got) return fail(input_error(file_ + ": the file is empty (no header row)"));
    if (field_count_ > opt_.max_columns)
        return fail(reader_error(file_, record_line_, in_.window_offset(),
                                 "the header has more than " + std::to_string(opt_.max_columns) + " columns"));
    Record header;
    if (auto p = decode_fields(header))
        return fail(reader_error(file_, p->line, p->offset, "header: " + p->message));
    std::unordered_map<std::string_view, size_t> seen;
    for (size_t c = 0; c < header.values.size(); ++c) {
        if (!header.values[c])
            return fail(reader_error(file_, record_line_, in_.window_offset(),
                                     "header: column " + std::to_string(c + 1) + " has an empty name"));
        auto [it, fresh] = seen.emplace(*header.values[c], c);
        if (!fresh)
            return fail(reader_error(file_, record_line_, in_.window_offset(),
                                     "header: duplicate column name '" + std::string(*header.values[c]) +
                                         "' (columns " + std::to_string(it->second + 1) + " and " +
                                         std::to_string(c + 1) + ")"));
    }
    for (const auto& v : header.values) columns_.emplace_back(*v);
    span_cap_ = columns_.size() + 1;
    return ok_status();
}

Result<bool> CsvReader::next(Record& out) {
    if (dead_) return *dead_;
    BATON_ASSIGN(bool got, scan_record());
    if (!got) {
        if (records_ == 0 && !opt_.allow_no_records)
            return fail(input_error(file_ + ": the file has a header but no records"));
        return false;
    }
    ++records_;
    out.line = record_line_;
    out.end_line = end_line_;
    out.offset = in_.window_offset();
    out.raw = std::string_view(in_.window(), record_len_);
    out.problem.reset();
    if (field_count_ != columns_.size()) {
        std::string m = (field_count_ == 1 && record_len_ == 0)
                            ? "blank line"
                            : "the record has " + std::to_string(field_count_) + " fields";
        m += "; the header has " + std::to_string(columns_.size());
        out.problem = Problem{record_line_, out.offset, "", std::string(kind::wrong_column_count), m, Severity::error};
        return true;
    }
    if (auto p = decode_fields(out)) out.problem = std::move(p);
    return true;
}

void CsvReader::start_record() {
    in_.consume(consumed_len_);
    consumed_len_ = 0;
    record_len_ = 0;
    state_ = State::field_start;
    pos_ = 0;
    record_done_ = false;
    spans_.clear();
    field_count_ = 0;
    record_line_ = line_;
}

Result<bool> CsvReader::scan_record() {
    start_record();
    for (;;) {
        BATON_TRY(scan_available());
        if (record_done_) return true;
        BATON_TRY(check_bounds());
        if (in_.at_eof()) {
            if (in_.available() == 0) return false;
            BATON_TRY(finish_at_eof());
            return true;
        }
        auto st = in_.refill();
        if (!st) return fail(st.error());
    }
}

Status CsvReader::push_field(size_t end) {
    if (end - field_begin_ > opt_.max_field_bytes)
        return fatal(field_begin_, column_label(field_count_) + " is longer than " +
                                       std::to_string(opt_.max_field_bytes) + " bytes",
                     field_line());
    if (field_count_ < span_cap_)
        spans_.push_back(Span{static_cast<uint32_t>(field_begin_), static_cast<uint32_t>(end), field_escapes_});
    ++field_count_;
    return ok_status();
}

Status CsvReader::end_record(size_t content_end, size_t next) {
    if (content_end > opt_.max_record_bytes)
        return fatal(0, "the record is longer than " + std::to_string(opt_.max_record_bytes) + " bytes", record_line_);
    record_len_ = content_end;
    consumed_len_ = next;
    pos_ = next;
    end_line_ = line_;
    if (next > content_end) ++line_;  // the terminator held the LF
    record_done_ = true;
    return ok_status();
}

// A record still being read is checked against the bounds each time the buffered bytes run
// out, so a 200 MB line fails after at most max_record + read_chunk bytes were buffered.
Status CsvReader::check_bounds() {
    const bool in_field = state_ == State::unquoted || state_ == State::quoted || state_ == State::quote_seen;
    if (in_field && pos_ - field_begin_ > opt_.max_field_bytes) {
        std::string m =
            column_label(field_count_) + " is longer than " + std::to_string(opt_.max_field_bytes) + " bytes";
        if (state_ == State::quoted)
            m += " (a quoted field opened on line " + std::to_string(quote_line_) + "; is its closing quote missing?)";
        return fatal(field_begin_, m, field_line());
    }
    if (pos_ > opt_.max_record_bytes)
        return fatal(0, "the record is longer than " + std::to_string(opt_.max_record_bytes) + " bytes", record_line_);
    return ok_status();
}

Status CsvReader::finish_at_eof() {
    const size_t n = in_.available();
    switch (state_) {
    case State::field_start:  // after a trailing comma: one more, empty field
        field_begin_ = n;
        field_escapes_ = false;
        BATON_TRY(push_field(n));
        break;
    case State::unquoted: BATON_TRY(push_field(n)); break;
    case State::quote_seen: BATON_TRY(push_field(n - 1)); break;
    case State::quoted:
        return fail(reader_error(file_, quote_line_, in_.window_offset() + quote_pos_,
                                 "unterminated quoted field: the file ends before its closing quote"));
    case State::cr_seen: return fatal(n - 1, "carriage return not followed by a line feed");
    }
    return end_record(n, n);
}

Status CsvReader::scan_available() {
    const char* p = in_.window();
    const size_t n = in_.available();
    size_t i = pos_;
    while (i < n) {
        switch (state_) {
        case State::field_start:
            field_escapes_ = false;
            if (p[i] == '"') {
                state_ = State::quoted;
                quote_line_ = line_;
                quote_pos_ = i;
                field_begin_ = ++i;
                break;
            }
            field_begin_ = i;
            state_ = State::unquoted;
            [[fallthrough]];
        case State::unquoted: {
            while (i < n && !kUnquotedStop[uc(p[i])]) ++i;
            if (i == n) break;
            const char c = p[i];
            if (c == '\0') return fatal(i, kNulMessage);
            if (c == '"')
                return fatal(i, column_label(field_count_) +
                                    ": a quote inside an unquoted field; enclose the field in quotes and double "
                                    "the quote (RFC 4180)");
            BATON_TRY(push_field(i));
            if (c == '\n') return end_record(i, i + 1);
            state_ = (c == ',') ? State::field_start : State::cr_seen;
            ++i;
            break;
        }
        case State::quoted: {
            while (i < n && !kQuotedStop[uc(p[i])]) ++i;
            if (i == n) break;
            if (p[i] == '\0') return fatal(i, kNulMessage);
            if (p[i] == '\n') ++line_;
            else state_ = State::quote_seen;
            ++i;
            break;
        }
        case State::quote_seen: {
            const char c = p[i];
            if (c == '"') {
                field_escapes_ = true;
                state_ = State::quoted;
                ++i;
                break;
            }
            if (c != ',' && c != '\n' && c != '\r')
                return fatal(i, column_label(field_count_) + ": unexpected character after the closing quote "
                                                               "of a quoted field");
            BATON_TRY(push_field(i - 1));
            if (c == '\n') return end_record(i, i + 1);
            state_ = (c == ',') ? State::field_start : State::cr_seen;
            ++i;
            break;
        }
        case State::cr_seen:
            if (p[i] != '\n') return fatal(i - 1, "carriage return not followed by a line feed");
            return end_record(i - 1, i + 1);
        }
    }
    pos_ = i;
    return ok_status();
}

// Decodes every field of a complete record into out.values, or returns the first problem.
std::optional<Problem> CsvReader::decode_fields(Record& out) {
    const char* p = in_.window();
    arena_.clear();
    pieces_.clear();
    for (size_t c = 0; c < spans_.size(); ++c) {
        const Span& s = spans_[c];
        std::string_view raw(p + s.begin, s.end - s.begin);
        TextDecoder::Outcome o = decoder_->decode(raw, arena_);
        if (!o.ok) {
            const size_t bad = s.begin + o.bad_index;
            const auto lf = static_cast<uint64_t>(std::count(p, p + bad, '\n'));
            std::string field = c < columns_.size() ? columns_[c] : "";
            return Problem{record_line_ + lf, in_.window_offset() + bad, std::move(field),
                           std::string(kind::invalid_encoding), decoder_->describe_failure(raw, o.bad_index),
                           Severity::error};
        }
        Piece piece{o.in_arena, o.in_arena ? o.begin : s.begin, o.size};
        if (s.escapes) unescape(piece);
        pieces_.push_back(piece);
    }
    out.values.resize(pieces_.size());
    for (size_t c = 0; c < pieces_.size(); ++c) {
        const Piece& pc = pieces_[c];
        if (pc.size == 0) { out.values[c].reset(); continue; }
        out.values[c] = std::string_view((pc.in_arena ? arena_.data() : p) + pc.begin, pc.size);
    }
    return std::nullopt;
}

// Rewrites a value holding doubled quotes into the arena with each pair made one quote.
void CsvReader::unescape(Piece& piece) {
    arena_.reserve(arena_.size() + piece.size);  // no reallocation below: `src` stays valid
    const char* src = (piece.in_arena ? arena_.data() : in_.window()) + piece.begin;
    const size_t begin = arena_.size();
    for (size_t i = 0; i < piece.size; ++i) {
        arena_.push_back(src[i]);
        if (src[i] == '"') ++i;  // the second quote of a pair
    }
    piece = Piece{true, begin, arena_.size() - begin};
}

}  // namespace baton::records
