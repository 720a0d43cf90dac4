#include "storage/records/json_line.h"

#include "storage/records/problem.h"
#include "storage/records/utf8.h"

namespace baton::records {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Length of the JSON number at the start of `s`, or 0 when there is none:
//   number = [ "-" ] ( "0" / 1-9 *DIGIT ) [ "." 1*DIGIT ] [ ("e"/"E") ["+"/"-"] 1*DIGIT ]
size_t json_number_length(std::string_view s) {
    size_t i = 0;
    auto digits = [&] { size_t n = 0; while (i < s.size() && is_digit(s[i])) { ++i; ++n; } return n; };
    if (i < s.size() && s[i] == '-') ++i;
    if (i < s.size() && s[i] == '0') ++i;
    else if (digits() == 0) return 0;
    if (i < s.size() && s[i] == '.') {
        ++i;
        if (digits() == 0) return 0;
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        if (digits() == 0) return 0;
    }
    return i;
}

class Parser {
public:
    Parser(std::string_view s, std::string& arena) : s_(s), arena_(arena) {}

    std::optional<JsonLineError> object(std::vector<JsonMember>& members);

private:
    std::optional<JsonLineError> member(std::vector<JsonMember>& members);
    std::optional<JsonLineError> value(JsonMember& m);
    std::optional<JsonLineError> string(std::string_view& out);
    std::optional<JsonLineError> escape(std::string& out);
    std::optional<JsonLineError> hex4(uint32_t& out);
    std::optional<JsonLineError> number(std::string_view& out);

    void skip_ws() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\r' || s_[i_] == '\n')) ++i_;
    }
    bool at(char c) const { return i_ < s_.size() && s_[i_] == c; }
    JsonLineError bad(std::string message) const {
        return JsonLineError{i_, kind::bad_json, std::move(message), ""};
    }

    std::string_view s_;
    std::string& arena_;
    size_t i_ = 0;
};

std::optional<JsonLineError> Parser::object(std::vector<JsonMember>& members) {
    skip_ws();
    if (i_ == s_.size()) return bad("blank line");
    if (!at('{')) return bad("a line must hold one JSON object");
    ++i_;
    skip_ws();
    if (at('}')) {
        ++i_;
    } else {
        for (;;) {
            if (auto e = member(members)) return e;
            skip_ws();
            if (at(',')) { ++i_; continue; }
            if (at('}')) { ++i_; break; }
            return bad("expected ',' or '}' after a value");
        }
    }
    skip_ws();
    if (i_ != s_.size()) return bad("text after the end of the object");
    return std::nullopt;
}

std::optional<JsonLineError> Parser::member(std::vector<JsonMember>& members) {
    skip_ws();
    JsonMember m;
    m.pos = i_;
    if (!at('"')) return bad("expected a quoted key");
    if (auto e = string(m.key)) return e;
    skip_ws();
    if (!at(':')) return bad("expected ':' after a key");
    ++i_;
    skip_ws();
    if (auto e = value(m)) return e;
    members.push_back(m);
    return std::nullopt;
}

std::optional<JsonLineError> Parser::value(JsonMember& m) {
    if (i_ >= s_.size()) return bad("missing value");
    const char c = s_[i_];
    if (c == '"') {
        std::string_view v;
        if (auto e = string(v)) return e;
        if (!v.empty()) m.value = v;  // "" reads as null, like an empty CSV field
        return std::nullopt;
    }
    if (c == '-' || is_digit(c)) {
        std::string_view v;
        if (auto e = number(v)) return e;
        m.value = v;
        m.is_number = true;
        return std::nullopt;
    }
    if (s_.substr(i_, 4) == "null") { i_ += 4; return std::nullopt; }
    std::string what;
    if (s_.substr(i_, 4) == "true" || s_.substr(i_, 5) == "false") what = "a boolean";
    else if (c == '{') what = "an object";
    else if (c == '[') what = "an array";
    if (what.empty()) return bad("not a JSON value");
    return JsonLineError{i_, kind::unsupported_value,
                         what + " is not a supported value (only strings, numbers and null)", std::string(m.key)};
}

std::optional<JsonLineError> Parser::string(std::string_view& out) {
    const size_t start = ++i_;  // after the opening quote
    while (i_ < s_.size() && s_[i_] != '"' && s_[i_] != '\\' && static_cast<unsigned char>(s_[i_]) >= 0x20) ++i_;
    if (at('"')) {  // no escapes: a view of the line
        out = s_.substr(start, i_ - start);
        ++i_;
        return std::nullopt;
    }
    // Escapes: decode into the arena (reserved by the caller, so views stay valid).
    const size_t begin = arena_.size();
    arena_.append(s_.substr(start, i_ - start));
    while (i_ < s_.size() && s_[i_] != '"') {
        const auto c = static_cast<unsigned char>(s_[i_]);
        if (c < 0x20) return bad("control character inside a string (escape it)");
        if (c == '\\') {
            if (auto e = escape(arena_)) return e;
        } else {
            arena_.push_back(s_[i_++]);
        }
    }
    if (!at('"')) return bad("unterminated string");
    ++i_;
    out = std::string_view(arena_).substr(begin);
    return std::nullopt;
}

std::optional<JsonLineError> Parser::escape(std::string& out) {
    ++i_;  // the backslash
    if (i_ >= s_.size()) return bad("unterminated escape");
    const char c = s_[i_++];
    switch (c) {
    case '"': out.push_back('"'); return std::nullopt;
    case '\\': out.push_back('\\'); return std::nullopt;
    case '/': out.push_back('/'); return std::nullopt;
    case 'b': out.push_back('\b'); return std::nullopt;
    case 'f': out.push_back('\f'); return std::nullopt;
    case 'n': out.push_back('\n'); return std::nullopt;
    case 'r': out.push_back('\r'); return std::nullopt;
    case 't': out.push_back('\t'); return std::nullopt;
    case 'u': break;
    default: --i_; return bad("unknown escape");
    }
    uint32_t cp = 0;
    if (auto e = hex4(cp)) return e;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return bad("unpaired surrogate in \\u escape");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        uint32_t lo = 0;
        if (s_.substr(i_, 2) != "\\u") return bad("unpaired surrogate in \\u escape");
        i_ += 2;
        if (auto e = hex4(lo)) return e;
        if (lo < 0xDC00 || lo > 0xDFFF) return bad("unpaired surrogate in \\u escape");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    if (cp == 0) return bad("NUL character (\\u0000) is not allowed in a value");
    utf8::append_code_point(out, cp);
    return std::nullopt;
}

std::optional<JsonLineError> Parser::hex4(uint32_t& out) {
    if (i_ + 4 > s_.size()) return bad("short \\u escape");
    out = 0;
    for (int k = 0; k < 4; ++k, ++i_) {
        const char c = s_[i_];
        uint32_t d;
        if (is_digit(c)) d = static_cast<uint32_t>(c - '0');
        else if (c >= 'a' && c <= 'f') d = static_cast<uint32_t>(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') d = static_cast<uint32_t>(c - 'A' + 10);
        else return bad("bad hex digit in \\u escape");
        out = out * 16 + d;
    }
    return std::nullopt;
}

std::optional<JsonLineError> Parser::number(std::string_view& out) {
    const size_t n = json_number_length(s_.substr(i_));
    if (n == 0) return bad("bad number");
    if (i_ + n < s_.size() && (is_digit(s_[i_ + n]) || s_[i_ + n] == '.'))
        return bad("bad number (a leading zero?)");
    out = s_.substr(i_, n);
    i_ += n;
    return std::nullopt;
}

}  // namespace

std::optional<JsonLineError> parse_json_line(std::string_view line, std::vector<JsonMember>& members,
                                             std::string& arena) {
    members.clear();
    arena.clear();
    arena.reserve(line.size());  // decoded strings are never longer than their escaped form
    Parser p(line, arena);
    return p.object(members);
}

bool is_json_number(std::string_view text) {
    return !text.empty() && json_number_length(text) == text.size();
}

}  // namespace baton::records
