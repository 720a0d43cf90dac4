#include "certs/armor.h"

#include <cctype>

namespace baton::certs {

namespace {

std::string begin_line(std::string_view label) { return "-----BEGIN BATON " + std::string(label) + "-----"; }
std::string end_line(std::string_view label) { return "-----END BATON " + std::string(label) + "-----"; }

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

}  // namespace

std::string armor(std::string_view label, ByteView data) {
    std::string b64 = to_base64(data);
    std::string out = begin_line(label) + "\n";
    for (size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
    out += end_line(label) + "\n";
    return out;
}

Result<Bytes> dearmor(std::string_view label, ByteView raw, size_t max_bytes, std::string_view what) {
    const std::string name(what);
    // Base64 grows data by 4/3 plus line breaks; anything longer than this cannot be valid.
    if (raw.size() > max_bytes * 2 + 256) return input_error(name + ": file too large for a " + std::string(label));
    std::string_view text = trim(as_chars(raw));
    const std::string begin = begin_line(label), end = end_line(label);
    if (text.substr(0, begin.size()) != begin) {
        if (text.substr(0, 17) == "-----BEGIN BATON ") {
            // Name what the file holds, but only as a short run of letters: it is hostile text.
            std::string other;
            for (size_t i = 17; i < text.size() && other.size() < 32 && (std::isupper(static_cast<unsigned char>(text[i])) || text[i] == ' '); ++i)
                other.push_back(text[i]);
            return input_error(name + ": not a " + std::string(label) + " file (it holds a " + other + ")");
        }
        return input_error(name + ": not a BATON " + std::string(label) + " file (no BEGIN line)");
    }
    if (text.size() < begin.size() + end.size() || text.substr(text.size() - end.size()) != end)
        return input_error(name + ": truncated (no END line)");
    std::string_view inner = text.substr(begin.size(), text.size() - begin.size() - end.size());
    std::string b64;
    for (char c : inner)
        if (!is_space(c)) b64.push_back(c);
    if (b64.size() / 4 * 3 > max_bytes + 3) return input_error(name + ": larger than " + std::to_string(max_bytes) + " bytes");
    auto decoded = from_base64(b64, name);
    if (!decoded) return decoded.error();
    if (decoded->size() > max_bytes) return input_error(name + ": larger than " + std::to_string(max_bytes) + " bytes");
    return decoded;
}

}  // namespace baton::certs
