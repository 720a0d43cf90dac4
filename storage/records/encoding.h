// Text encodings of imported files, and their conversion to UTF-8.
//
// Baton stores every value as UTF-8. Input may be UTF-8 (with or without a byte order mark) or
// GB18030 (a superset of GBK/GB2312, what Excel on Chinese Windows writes).
//
// `auto` decides from the first bytes of the file (resolve_encoding): a UTF-8 BOM means UTF-8;
// a sample that is valid UTF-8 means UTF-8; anything else means GB18030 — except a sample that
// is overwhelmingly UTF-8 with a few bad bytes (8+ valid multi-byte sequences per bad byte),
// which is taken as damaged UTF-8 so that each bad byte is reported where it is, instead of the
// whole file being decoded as GB18030 mojibake. The decision is final for the file; every later
// byte is still validated as it is decoded, so a file that turns out not to be UTF-8 after the
// sample fails on the first bad byte, with its line and offset.
//
// Converter pin: GB18030 is decoded by glibc's iconv module "GB18030" (iconvdata/gb18030.c) as
// shipped in Debian 12 (glibc 2.36). Its table follows GB18030-2005 with these differences, pinned
// by tests/storage/records_encoding_test.cpp ("glibc GB18030 mapping is pinned"):
//  - the 18 two-byte codes whose mapping GB18030-2022 changed from the Private Use Area to
//    standard code points (A6D9..A6DF, A6EC, A6ED, A6F3, FE59, FE61, FE66, FE67, FE6D, FE7E, FE90,
//    FEA0) already decode as GB18030-2022 says: A6D9 -> U+FE10, FE59 -> U+9FB4 (GB18030-2005 had
//    U+E78D and U+E81E);
//  - the four-byte codes that GB18030-2005 used for those standard code points (e.g. 84318236,
//    2005's U+FE10) are refused as undecodable — neither 2005 (U+FE10) nor 2022 (U+E78D);
//  - FE51, FE52, FE53, FE6C, FE76, FE91 decode to CJK Extension B (FE51 -> U+20087) where both
//    standards say PUA (U+E816...), so FE51 and its four-byte twin 95329031 decode alike;
//  - A8BC -> U+1E3F and 8135F437 -> U+E7C7 (the GB18030-2005 swap).
// A change of glibc that alters any of this fails that test; review the finding before updating it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace baton::records {

enum class Encoding { auto_detect, utf8, gb18030 };

// Parses "auto", "utf-8"/"utf8", "gb18030" (ASCII case-insensitive). Fails (usage) otherwise.
Result<Encoding> parse_encoding(std::string_view name);
std::string_view encoding_name(Encoding e);  // "auto", "utf-8", "gb18030"

// Bytes read before deciding an `auto` encoding (or all of a shorter file).
inline constexpr size_t kDetectSampleBytes = 4u << 20;

struct ResolvedEncoding {
    Encoding encoding = Encoding::utf8;  // utf8 or gb18030, never auto_detect
    size_t bom_size = 0;                 // bytes of byte order mark to skip at the file's start
    bool detected = false;               // chosen by `auto`, not by the caller
};

// Decides how to decode a file whose first bytes are `sample` (at_eof: the sample is the whole
// file). A UTF-8 BOM is skipped for utf8 and auto; a GB18030 BOM (84 31 95 33) for gb18030 and
// for auto when the sample is not UTF-8. Fails (bad_input, naming `file`) for a UTF-16 or UTF-32
// BOM, and for a UTF-8 BOM when gb18030 was requested.
Result<ResolvedEncoding> resolve_encoding(Encoding requested, std::string_view sample, bool at_eof,
                                          std::string_view file);

// Converts raw byte spans of a file to UTF-8. One per reader; not thread-safe.
class TextDecoder {
public:
    // REQUIRES: e is utf8 or gb18030. Fails (internal) when iconv has no GB18030 converter.
    static Result<TextDecoder> create(ResolvedEncoding e);
    TextDecoder(TextDecoder&&) noexcept = default;
    TextDecoder& operator=(TextDecoder&&) noexcept = default;
    ~TextDecoder();

    struct Outcome {
        bool ok = true;
        bool in_arena = false;  // the UTF-8 text is arena[begin, begin+size), else it is `in` itself
        size_t begin = 0;
        size_t size = 0;
        size_t bad_index = 0;   // when !ok: index in `in` of the first undecodable byte
    };
    // Decodes `in`. Text that is already UTF-8 (all ASCII, or valid UTF-8 in utf8 mode) is not
    // copied. GB18030 text is converted and appended to `arena` (which may reallocate).
    Outcome decode(std::string_view in, std::string& arena);

    // A message for an undecodable byte at in[bad_index], with a hint when one is likely to help.
    std::string describe_failure(std::string_view in, size_t bad_index) const;

    const ResolvedEncoding& encoding() const { return enc_; }

private:
    struct IconvCloser { void operator()(void* cd) const; };
    explicit TextDecoder(ResolvedEncoding e, void* cd) : enc_(e), cd_(cd) {}
    Outcome convert_gb18030(std::string_view in, std::string& arena);

    ResolvedEncoding enc_;
    std::unique_ptr<void, IconvCloser> cd_;
};

}  // namespace baton::records
