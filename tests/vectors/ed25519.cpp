// Ed25519 vectors (../shared/vectors/ed25519/README.md), through core/crypto.h only.
//  - rfc8032_section7.1_ed25519.json ({"vectors": [...]}): from the 32-byte seed our key pair
//    must reproduce the public key, our signature must reproduce the RFC's, and it must verify.
//  - wycheproof_ed25519_test.json ({"testGroups": [...]}): verify-only; "valid" must be
//    accepted and "invalid" rejected (malleable s >= L, trailing garbage, bad encodings, ...).
#include <string>

#include "core/crypto.h"
#include "tests/vectors/runner.h"

namespace baton::vectors {

namespace {

void check_rfc8032(const nlohmann::json& doc, Tally& tally) {
    for (const auto& v : doc.at("vectors")) {
        const std::string name = "rfc8032 " + v.at("name").get<std::string>();
        const Bytes seed = hex_field(v, "secret_key");
        const Bytes pk = hex_field(v, "public_key");
        const Bytes msg = hex_field(v, "message");
        const Bytes sig = hex_field(v, "signature");
        if (seed.size() != 32) throw std::runtime_error(name + ": secret_key is not 32 bytes");
        const auto key = crypto::ed25519_from_seed(Secret<32>(std::span<const uint8_t, 32>(seed.data(), 32)));
        const crypto::Signature ours = crypto::ed25519_sign(key, msg);
        const bool pk_ok = Bytes(key.public_key.begin(), key.public_key.end()) == pk;
        const bool sig_ok = Bytes(ours.begin(), ours.end()) == sig;
        const bool verify_ok = crypto::ed25519_verify(pk, msg, sig);
        tally.check(pk_ok && sig_ok && verify_ok, name + (pk_ok ? "" : " (public key differs)") +
                                                      (sig_ok ? "" : " (signature differs)") +
                                                      (verify_ok ? "" : " (does not verify)"));
    }
}

void check_wycheproof(const nlohmann::json& doc, Tally& tally) {
    for (const auto& group : doc.at("testGroups")) {
        const Bytes pk = hex_field(group.at("publicKey"), "pk");
        for (const auto& t : group.at("tests")) {
            const std::string result = t.at("result").get<std::string>();
            const std::string name = "wycheproof tcId " + std::to_string(t.at("tcId").get<int>()) + " (" + result +
                                     ", " + t.at("comment").get<std::string>() + ")";
            const bool accepted = crypto::ed25519_verify(pk, hex_field(t, "msg"), hex_field(t, "sig"));
            if (result == "valid") {
                tally.check(accepted, name);
            } else if (result == "invalid") {
                tally.check(!accepted, name);
            } else {
                // Wycheproof's EdDSA files have no "acceptable" verdicts; an unknown one is a new
                // file format we have not read about, so it is counted, not guessed.
                tally.skip(name, "unknown result " + result);
            }
        }
    }
}

}  // namespace

void check_ed25519(const nlohmann::json& doc, Tally& tally) {
    if (doc.contains("vectors")) return check_rfc8032(doc, tally);
    if (doc.contains("testGroups")) return check_wycheproof(doc, tally);
    throw std::runtime_error("not an ed25519 vector file (neither \"vectors\" nor \"testGroups\")");
}

}  // namespace baton::vectors
