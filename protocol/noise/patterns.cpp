#include "protocol/noise/patterns.h"

#include <algorithm>
#include <array>
#include <charconv>

namespace baton::noise {

namespace {

// A pattern as written in the spec: pre-messages and messages as text, tokens split by ',' and
// messages by '|'. Message i is sent by the initiator when i is even (or always, one-way).
struct PatternText {
    std::string_view name, initiator_pre, responder_pre, messages;
    bool one_way;
};

// Spec rev 34 §7.4 (one-way), §7.5 (fundamental interactive) and §18 (deferred).
constexpr std::array<PatternText, 38> kPatterns{{
    {"N", "", "s", "e,es", true},
    {"K", "s", "s", "e,es,ss", true},
    {"X", "", "s", "e,es,s,ss", true},
    {"NN", "", "", "e|e,ee", false},
    {"NK", "", "s", "e,es|e,ee", false},
    {"NX", "", "", "e|e,ee,s,es", false},
    {"XN", "", "", "e|e,ee|s,se", false},
    {"XK", "", "s", "e,es|e,ee|s,se", false},
    {"XX", "", "", "e|e,ee,s,es|s,se", false},
    {"KN", "s", "", "e|e,ee,se", false},
    {"KK", "s", "s", "e,es,ss|e,ee,se", false},
    {"KX", "s", "", "e|e,ee,se,s,es", false},
    {"IN", "", "", "e,s|e,ee,se", false},
    {"IK", "", "s", "e,es,s,ss|e,ee,se", false},
    {"IX", "", "", "e,s|e,ee,se,s,es", false},
    {"NK1", "", "s", "e|e,ee,es", false},
    {"NX1", "", "", "e|e,ee,s|es", false},
    {"X1N", "", "", "e|e,ee|s|se", false},
    {"X1K", "", "s", "e,es|e,ee|s|se", false},
    {"XK1", "", "s", "e|e,ee,es|s,se", false},
    {"X1K1", "", "s", "e|e,ee,es|s|se", false},
    {"X1X", "", "", "e|e,ee,s,es|s|se", false},
    {"XX1", "", "", "e|e,ee,s|es,s,se", false},
    {"X1X1", "", "", "e|e,ee,s|es,s|se", false},
    {"K1N", "s", "", "e|e,ee|se", false},
    {"K1K", "s", "s", "e,es|e,ee|se", false},
    {"KK1", "s", "s", "e|e,ee,se,es", false},
    {"K1K1", "s", "s", "e|e,ee,es|se", false},
    {"K1X", "s", "", "e|e,ee,s,es|se", false},
    {"KX1", "s", "", "e|e,ee,se,s|es", false},
    {"K1X1", "s", "", "e|e,ee,s|se,es", false},
    {"I1N", "", "", "e,s|e,ee|se", false},
    {"I1K", "", "s", "e,es,s|e,ee|se", false},
    {"IK1", "", "s", "e,s|e,ee,se,es", false},
    {"I1K1", "", "s", "e,s|e,ee,es|se", false},
    {"I1X", "", "", "e,s|e,ee,s,es|se", false},
    {"IX1", "", "", "e,s|e,ee,se,s|es", false},
    {"I1X1", "", "", "e,s|e,ee,s|se,es", false},
}};

constexpr std::array<std::pair<std::string_view, Token>, 7> kTokenNames{{
    {"e", Token::e}, {"s", Token::s}, {"ee", Token::ee}, {"es", Token::es},
    {"se", Token::se}, {"ss", Token::ss}, {"psk", Token::psk},
}};

std::vector<std::string_view> split(std::string_view text, char sep) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (true) {
        size_t end = text.find(sep, start);
        parts.push_back(text.substr(start, end - start));
        if (end == std::string_view::npos) return parts;
        start = end + 1;
    }
}

Result<std::vector<Token>> tokens_from_text(std::string_view text) {
    std::vector<Token> tokens;
    if (text.empty()) return tokens;
    for (std::string_view word : split(text, ',')) {
        auto it = std::find_if(kTokenNames.begin(), kTokenNames.end(), [&](auto& t) { return t.first == word; });
        if (it == kTokenNames.end()) return internal_error("bad token in Noise pattern table");
        tokens.push_back(it->second);
    }
    return tokens;
}

Result<HandshakePattern> pattern_from_text(const PatternText& text) {
    HandshakePattern p;
    p.name = std::string(text.name);
    p.one_way = text.one_way;
    BATON_ASSIGN(p.initiator_pre, tokens_from_text(text.initiator_pre));
    BATON_ASSIGN(p.responder_pre, tokens_from_text(text.responder_pre));
    for (std::string_view msg : split(text.messages, '|')) {
        BATON_ASSIGN(auto tokens, tokens_from_text(msg));
        p.messages.push_back(std::move(tokens));
    }
    return p;
}

// "pskN" -> N. Fails on anything else, including leading zeros and absurd N.
Result<size_t> psk_position(std::string_view modifier) {
    constexpr std::string_view kPsk = "psk";
    if (modifier.substr(0, kPsk.size()) != kPsk || modifier.size() == kPsk.size() || modifier.size() > kPsk.size() + 2)
        return input_error("unsupported Noise modifier \"" + std::string(modifier) + "\"");
    std::string_view digits = modifier.substr(kPsk.size());
    if (digits.size() > 1 && digits[0] == '0') return input_error("malformed Noise modifier");
    size_t n = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc() || end != digits.data() + digits.size()) return input_error("malformed Noise modifier");
    return n;
}

// Applies pskN (§9.2): psk0 goes at the start of the first message, pskN at the end of message N.
Status apply_psk(HandshakePattern& p, size_t n) {
    if (n > p.messages.size()) return input_error("Noise psk modifier beyond the last message");
    if (n == 0) {
        auto& first = p.messages.front();
        if (!first.empty() && first.front() == Token::psk) return input_error("repeated Noise psk modifier");
        first.insert(first.begin(), Token::psk);
    } else {
        auto& msg = p.messages[n - 1];
        if (!msg.empty() && msg.back() == Token::psk) return input_error("repeated Noise psk modifier");
        msg.push_back(Token::psk);
    }
    return ok_status();
}

// §9.3: after a psk token a party must have sent an ephemeral before it encrypts anything. True
// for every supported base pattern; checked so that no modifier combination can break it.
Status check_psk_validity(const HandshakePattern& p) {
    bool psk_seen = false;
    std::array<bool, 2> sent_e{false, false};
    for (size_t i = 0; i < p.messages.size(); ++i) {
        const size_t sender = p.sender_is_initiator(i) ? 0 : 1;
        for (Token t : p.messages[i]) {
            if (t == Token::e) sent_e[sender] = true;
            if (t == Token::psk) psk_seen = true;
            if (t == Token::s && psk_seen && !sent_e[sender]) return input_error("invalid Noise psk placement");
        }
        if (psk_seen && !sent_e[sender]) return input_error("invalid Noise psk placement");
    }
    return ok_status();
}

}  // namespace

size_t HandshakePattern::psk_count() const {
    size_t n = 0;
    for (const auto& msg : messages) n += static_cast<size_t>(std::count(msg.begin(), msg.end(), Token::psk));
    return n;
}

KeyNeeds key_needs(const HandshakePattern& p, bool initiator) {
    auto has = [](const std::vector<Token>& tokens, Token t) {
        return std::find(tokens.begin(), tokens.end(), t) != tokens.end();
    };
    KeyNeeds needs;
    needs.local_static = has(initiator ? p.initiator_pre : p.responder_pre, Token::s);
    needs.remote_static = has(initiator ? p.responder_pre : p.initiator_pre, Token::s);
    for (size_t i = 0; i < p.messages.size(); ++i) {
        if (p.sender_is_initiator(i) != initiator) continue;
        needs.local_static = needs.local_static || has(p.messages[i], Token::s);
        needs.ephemeral = needs.ephemeral || has(p.messages[i], Token::e);
    }
    needs.psks = p.psk_count();
    return needs;
}

Result<HandshakePattern> base_pattern(std::string_view name) {
    for (const auto& text : kPatterns) {
        if (text.name == name) return pattern_from_text(text);
    }
    return input_error("unsupported Noise pattern \"" + std::string(name) + "\"");
}

Result<HandshakePattern> parse_pattern(std::string_view section) {
    size_t base_len = 0;
    auto in_base = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); };
    while (base_len < section.size() && in_base(section[base_len])) ++base_len;
    BATON_ASSIGN(HandshakePattern p, base_pattern(section.substr(0, base_len)));
    p.name = std::string(section);
    if (base_len == section.size()) return p;
    for (std::string_view modifier : split(section.substr(base_len), '+')) {
        BATON_ASSIGN(size_t n, psk_position(modifier));
        BATON_TRY(apply_psk(p, n));
    }
    BATON_TRY(check_psk_validity(p));
    return p;
}

Result<HandshakePattern> parse_protocol_name(std::string_view protocol_name) {
    constexpr size_t kMaxName = 255;  // far above any real name; bounds what we hash and copy
    if (protocol_name.size() > kMaxName) return input_error("Noise protocol name longer than 255 bytes");
    auto parts = split(protocol_name, '_');
    if (parts.size() != 5 || parts[0] != "Noise")
        return input_error("malformed Noise protocol name \"" + std::string(protocol_name) + "\"");
    if (parts[2] != "25519" || parts[3] != "ChaChaPoly" || parts[4] != "BLAKE2b")
        return input_error("unsupported Noise suite in \"" + std::string(protocol_name) +
                           "\" (only 25519_ChaChaPoly_BLAKE2b)");
    return parse_pattern(parts[1]);
}

}  // namespace baton::noise
