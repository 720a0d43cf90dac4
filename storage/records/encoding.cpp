#include "storage/records/encoding.h"

#include <iconv.h>

#include <cerrno>
#include <cstdio>

#include "storage/records/utf8.h"

namespace baton::records {

namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::string_view kGb18030Bom = "\x84\x31\x95\x33";  // U+FEFF in GB18030

std::string lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool starts_with_utf16_or_32_bom(std::string_view s) {
    return s.starts_with("\xFF\xFE") || s.starts_with("\xFE\xFF") || s.starts_with(std::string_view("\0\0\xFE\xFF", 4));
}

bool all_ascii(std::string_view s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    return true;
}

std::string hex_bytes(std::string_view in, size_t at, size_t n) {
    std::string out;
    for (size_t i = at; i < in.size() && i < at + n; ++i) {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%02X", static_cast<unsigned char>(in[i]));
        if (!out.empty()) out += ' ';
        out += buf;
    }
    return out;
}

// UTF-8 with a few bad bytes, rather than GB18030: at least kDamagedUtf8Ratio valid multi-byte
// UTF-8 sequences per invalid byte, and at least that many in all. GB18030 Chinese text forms a
// valid UTF-8 sequence by chance for roughly one character in ten, so it scores far below.
// Taking such a file as UTF-8 reports each bad byte where it is, instead of decoding the whole
// file as GB18030 mojibake that might pass every check.
constexpr size_t kDamagedUtf8Ratio = 8;

bool looks_like_damaged_utf8(std::string_view sample) {
    const utf8::Census c = utf8::census(sample);
    return c.valid_multibyte >= kDamagedUtf8Ratio && c.valid_multibyte >= kDamagedUtf8Ratio * c.invalid;
}

}  // namespace

Result<Encoding> parse_encoding(std::string_view name) {
    std::string n = lower_ascii(name);
    if (n == "auto") return Encoding::auto_detect;
    if (n == "utf-8" || n == "utf8") return Encoding::utf8;
    if (n == "gb18030") return Encoding::gb18030;
    return usage_error("unknown encoding '" + std::string(name) + "' (use auto, utf-8 or gb18030)");
}

std::string_view encoding_name(Encoding e) {
    switch (e) {
    case Encoding::auto_detect: return "auto";
    case Encoding::utf8: return "utf-8";
    case Encoding::gb18030: return "gb18030";
    }
    return "?";
}

Result<ResolvedEncoding> resolve_encoding(Encoding requested, std::string_view sample, bool at_eof,
                                          std::string_view file) {
    if (starts_with_utf16_or_32_bom(sample))
        return input_error(std::string(file) + ": the file is UTF-16 or UTF-32 (byte order mark " +
                           hex_bytes(sample, 0, 2) + "); save it as UTF-8 or GB18030");
    const bool utf8_bom = sample.starts_with(kUtf8Bom);
    switch (requested) {
    case Encoding::utf8:
        return ResolvedEncoding{Encoding::utf8, utf8_bom ? kUtf8Bom.size() : 0, false};
    case Encoding::gb18030:
        if (utf8_bom)
            return input_error(std::string(file) +
                               ": the file starts with a UTF-8 byte order mark but gb18030 was requested");
        return ResolvedEncoding{Encoding::gb18030, sample.starts_with(kGb18030Bom) ? kGb18030Bom.size() : 0, false};
    case Encoding::auto_detect:
        break;
    }
    if (utf8_bom) return ResolvedEncoding{Encoding::utf8, kUtf8Bom.size(), true};
    if (utf8::find_invalid(sample, /*allow_truncated_tail=*/!at_eof) == utf8::npos)
        return ResolvedEncoding{Encoding::utf8, 0, true};
    if (looks_like_damaged_utf8(sample)) return ResolvedEncoding{Encoding::utf8, 0, true};
    return ResolvedEncoding{Encoding::gb18030, sample.starts_with(kGb18030Bom) ? kGb18030Bom.size() : 0, true};
}

void TextDecoder::IconvCloser::operator()(void* cd) const {
    if (cd) iconv_close(static_cast<iconv_t>(cd));
}

TextDecoder::~TextDecoder() = default;

Result<TextDecoder> TextDecoder::create(ResolvedEncoding e) {
    if (e.encoding == Encoding::auto_detect) return internal_error("TextDecoder needs a resolved encoding");
    if (e.encoding == Encoding::utf8) return TextDecoder(e, nullptr);
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == reinterpret_cast<iconv_t>(-1)) return internal_error("iconv has no GB18030 to UTF-8 converter");
    return TextDecoder(e, cd);
}

TextDecoder::Outcome TextDecoder::decode(std::string_view in, std::string& arena) {
    Outcome out;
    out.size = in.size();
    if (enc_.encoding == Encoding::utf8) {
        size_t bad = utf8::find_invalid(in);
        if (bad != utf8::npos) { out.ok = false; out.bad_index = bad; }
        return out;
    }
    if (all_ascii(in)) return out;  // ASCII is the same in GB18030 and UTF-8
    return convert_gb18030(in, arena);
}

TextDecoder::Outcome TextDecoder::convert_gb18030(std::string_view in, std::string& arena) {
    Outcome out;
    out.in_arena = true;
    out.begin = arena.size();
    // GB18030 -> UTF-8 grows at most 3/2 (two bytes -> three); four-byte codes stay four.
    arena.resize(out.begin + in.size() + in.size() / 2 + 4);
    auto* cd = static_cast<iconv_t>(cd_.get());
    iconv(cd, nullptr, nullptr, nullptr, nullptr);  // reset: each span decodes on its own
    char* src = const_cast<char*>(in.data());  // iconv's signature; it does not write the input
    size_t src_left = in.size();
    char* dst = arena.data() + out.begin;
    size_t dst_left = arena.size() - out.begin;
    size_t r = iconv(cd, &src, &src_left, &dst, &dst_left);
    const size_t written = static_cast<size_t>(dst - (arena.data() + out.begin));
    arena.resize(out.begin + written);
    if (r == static_cast<size_t>(-1)) {
        // EILSEQ: an invalid sequence; EINVAL: a sequence cut off by the end of the span.
        out.ok = false;
        out.bad_index = static_cast<size_t>(src - in.data());
        return out;
    }
    out.size = written;
    return out;
}

std::string TextDecoder::describe_failure(std::string_view in, size_t bad_index) const {
    std::string bytes = hex_bytes(in, bad_index, 4);
    if (enc_.encoding == Encoding::utf8) {
        std::string m = "invalid UTF-8 (bytes " + bytes + ")";
        if (enc_.detected)
            m += "; the encoding was detected as UTF-8 from the start of the file — if the file is GB18030, "
                 "import it with encoding gb18030";
        return m;
    }
    std::string m = "bytes " + bytes + " cannot be decoded as GB18030";
    if (static_cast<unsigned char>(in[bad_index]) == 0x80)
        m += " (0x80 is the euro sign in Windows code page 936, which GB18030 writes as A2 E3)";
    if (enc_.detected) m += "; the encoding was detected as GB18030 because the start of the file is not UTF-8";
    return m;
}

}  // namespace baton::records
