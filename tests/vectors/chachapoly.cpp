// ChaCha20-Poly1305 (RFC 8439, 96-bit nonce) vectors (../shared/vectors/chachapoly/README.md),
// through core/crypto.h only.
//  - wycheproof_chacha20_poly1305_test.json ({"testGroups": [...]}, aead_test_schema_v1).
// A group whose nonce, key or tag size is not the RFC 8439 one is refused before any crypto
// call: our wrapper's types (Key32, Nonce12) cannot even hold such values. That refusal is a
// rejection: a pass for an "invalid" entry, a failure for a "valid" one.
// "valid": encrypt must reproduce ct || tag and decrypt must give back msg.
// "invalid": decrypt must fail.
#include <algorithm>
#include <optional>
#include <string>

#include "core/crypto.h"
#include "tests/vectors/runner.h"

namespace baton::vectors {

namespace {

constexpr int kIvBits = 96;
constexpr int kKeyBits = 256;
constexpr int kTagBits = 128;

std::optional<crypto::Nonce12> to_nonce(const Bytes& iv) {
    if (iv.size() != sizeof(crypto::Nonce12)) return std::nullopt;
    crypto::Nonce12 n;
    std::copy(iv.begin(), iv.end(), n.begin());
    return n;
}

// Checks one entry of a group whose sizes are RFC 8439's. Returns whether our result matches.
bool check_entry(const nlohmann::json& t, bool valid) {
    const Bytes key_bytes = hex_field(t, "key");
    const auto nonce = to_nonce(hex_field(t, "iv"));
    // Inside a 96/256/128 group these cannot differ; if they do, the entry is refused.
    if (key_bytes.size() != crypto::Key32::size() || !nonce) return !valid;
    const crypto::Key32 key(std::span<const uint8_t, 32>(key_bytes.data(), 32));
    const Bytes aad = hex_field(t, "aad");
    const Bytes msg = hex_field(t, "msg");
    Bytes sealed = hex_field(t, "ct");
    append(sealed, hex_field(t, "tag"));

    const auto opened = crypto::chacha20poly1305_decrypt(key, *nonce, aad, sealed);
    if (!valid) return !opened;
    const Bytes ours = crypto::chacha20poly1305_encrypt(key, *nonce, aad, msg);
    return ours == sealed && opened && *opened == msg;
}

}  // namespace

void check_chachapoly(const nlohmann::json& doc, Tally& tally) {
    if (!doc.contains("testGroups")) throw std::runtime_error("not a chachapoly vector file (no \"testGroups\")");
    for (const auto& group : doc.at("testGroups")) {
        const bool rfc_sizes = group.at("ivSize").get<int>() == kIvBits && group.at("keySize").get<int>() == kKeyBits &&
                               group.at("tagSize").get<int>() == kTagBits;
        for (const auto& t : group.at("tests")) {
            const std::string result = t.at("result").get<std::string>();
            const std::string name = "wycheproof tcId " + std::to_string(t.at("tcId").get<int>()) + " (" + result +
                                     ", " + t.at("comment").get<std::string>() + ")";
            if (result != "valid" && result != "invalid") {
                tally.skip(name, "unknown result " + result);
                continue;
            }
            const bool valid = result == "valid";
            if (!rfc_sizes) {
                tally.check(!valid, name + " [refused: ivSize " + std::to_string(group.at("ivSize").get<int>()) + "]");
                continue;
            }
            tally.check(check_entry(t, valid), name);
        }
    }
}

}  // namespace baton::vectors
