// Noise handshake patterns as token lists (spec rev 34 §7) and protocol-name parsing (§8).
//
// Supported: the one-way patterns N, K, X; the 12 fundamental interactive patterns NN, NK, NX,
// XN, XK, XX, KN, KK, KX, IN, IK, IX; the 23 deferred patterns of §7.5 (NK1, X1X1, ...); and on
// any of them the modifiers psk0..pskN joined by '+' (e.g. "XXpsk3", "NNpsk0+psk2"), where pskN
// is at most the number of messages. Only the suite 25519_ChaChaPoly_BLAKE2b is supported.
// Everything else fails with bad_input naming what was wrong: other DH/cipher/hash names,
// unknown patterns, the fallback modifier, repeated or out-of-range psk modifiers, malformed
// names, names longer than 255 bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace baton::noise {

enum class Token : uint8_t { e, s, ee, es, se, ss, psk };

struct HandshakePattern {
    std::string name;                      // e.g. "XXpsk3": the pattern section of the protocol name
    std::vector<Token> initiator_pre;      // "-> s" pre-message, or empty (no `e` pre-messages:
    std::vector<Token> responder_pre;      // "<- s"   those exist only for the unsupported fallback)
    std::vector<std::vector<Token>> messages;  // message i is sent by sender_is_initiator(i)
    bool one_way = false;                  // N, K, X: every message goes initiator -> responder

    bool sender_is_initiator(size_t message_index) const {
        return one_way || message_index % 2 == 0;
    }
    // Number of psk tokens (each consumes one pre-shared key, in token order).
    size_t psk_count() const;
    bool uses_psk() const { return psk_count() > 0; }
};

// Which keys a party needs before the handshake starts, in `initiator`'s or the responder's role.
struct KeyNeeds {
    bool local_static = false;   // it sends `s`, or its static key is a pre-message
    bool remote_static = false;  // the peer's static key is a pre-message
    bool ephemeral = false;      // it sends `e`
    size_t psks = 0;             // one per psk token
};
KeyNeeds key_needs(const HandshakePattern& p, bool initiator);

// Looks up a base pattern by name ("XX", "NK1") with no modifiers. Fails (bad_input) when the
// name is not one of the supported patterns.
Result<HandshakePattern> base_pattern(std::string_view name);

// Parses the pattern section of a protocol name: base name followed by '+'-joined modifiers
// ("IKpsk1", "NNpsk0+psk2"). Fails (bad_input) as described at the top of this file.
Result<HandshakePattern> parse_pattern(std::string_view pattern_section);

// Parses a full protocol name "Noise_<pattern>_25519_ChaChaPoly_BLAKE2b". Fails (bad_input)
// as described at the top of this file.
Result<HandshakePattern> parse_protocol_name(std::string_view protocol_name);

}  // namespace baton::noise
