// BLAKE2b vectors (../shared/vectors/blake2b/README.md), through core/crypto.h only.
//  - rfc7693_blake2b.json ({"appendix_a", "appendix_e_selftest"}): BLAKE2b-512("abc"), then
//    the Appendix E self-test run here from its description; the grand hash is computed from
//    our own digests (never from the file's intermediate_digests, which only localise a failure
//    and are each checked as an entry of their own).
//  - blake2-kat_blake2b.json (a JSON array of {hash, in, key, out}): 256 unkeyed and 256 keyed
//    (BLAKE2's own MAC mode) 64-byte digests.
#include <cstdint>
#include <string>

#include "core/crypto.h"
#include "tests/vectors/runner.h"

namespace baton::vectors {

namespace {

// RFC 7693 Appendix E selftest_seq: a Fibonacci-like byte stream seeded by `seed`.
Bytes selftest_seq(size_t len, uint32_t seed) {
    Bytes out(len);
    uint32_t a = 0xDEAD4BADu * seed;  // mod 2^32 by unsigned wrap-around
    uint32_t b = 1;
    for (size_t i = 0; i < len; ++i) {
        const uint32_t t = a + b;
        a = b;
        b = t;
        out[i] = static_cast<uint8_t>((t >> 24) & 0xFF);
    }
    return out;
}

// One self-test digest: BLAKE2b with `outlen` bytes of output over selftest_seq(inlen, inlen),
// keyed with selftest_seq(outlen, outlen) when `keyed`.
Bytes selftest_digest(size_t outlen, size_t inlen, bool keyed) {
    const Bytes msg = selftest_seq(inlen, static_cast<uint32_t>(inlen));
    const Bytes key = keyed ? selftest_seq(outlen, static_cast<uint32_t>(outlen)) : Bytes{};
    return crypto::blake2b(msg, outlen, key);
}

void check_rfc7693(const nlohmann::json& doc, Tally& tally) {
    const auto& a = doc.at("appendix_a");
    tally.check(crypto::blake2b(hex_field(a, "input"), 64) == hex_field(a, "digest"), "rfc7693 appendix A");

    const auto& e = doc.at("appendix_e_selftest");
    for (const auto& d : e.at("intermediate_digests")) {
        const auto outlen = d.at("outlen").get<size_t>();
        const auto inlen = d.at("inlen").get<size_t>();
        const bool keyed = d.at("keyed").get<bool>();
        if (keyed && d.at("keylen").get<size_t>() != outlen) throw std::runtime_error("self-test keylen != outlen");
        tally.check(selftest_digest(outlen, inlen, keyed) == hex_field(d, "digest"),
                    "rfc7693 appendix E digest outlen=" + std::to_string(outlen) + " inlen=" +
                        std::to_string(inlen) + (keyed ? " keyed" : " unkeyed"));
    }

    crypto::Blake2b grand(32);
    for (const auto& outlen_json : e.at("md_len")) {
        const auto outlen = outlen_json.get<size_t>();
        for (const auto& inlen_json : e.at("in_len")) {
            const auto inlen = inlen_json.get<size_t>();
            grand.update(selftest_digest(outlen, inlen, false));
            grand.update(selftest_digest(outlen, inlen, true));
        }
    }
    tally.check(grand.finish() == hex_field(e, "grand_hash"), "rfc7693 appendix E grand hash");
}

void check_kat(const nlohmann::json& doc, Tally& tally) {
    int i = 0;
    for (const auto& v : doc) {
        const std::string name = "blake2-kat #" + std::to_string(i++);
        if (v.at("hash").get<std::string>() != "blake2b") {
            tally.skip(name, "not a blake2b entry");
            continue;
        }
        const Bytes key = hex_field(v, "key");
        const Bytes want = hex_field(v, "out");
        if (key.size() > 64 || want.empty() || want.size() > 64) throw std::runtime_error(name + ": sizes out of range");
        tally.check(crypto::blake2b(hex_field(v, "in"), want.size(), key) == want,
                    name + (key.empty() ? " unkeyed" : " keyed"));
    }
}

}  // namespace

void check_blake2b(const nlohmann::json& doc, Tally& tally) {
    if (doc.is_object() && doc.contains("appendix_a")) return check_rfc7693(doc, tally);
    if (doc.is_array()) return check_kat(doc, tally);
    throw std::runtime_error("not a blake2b vector file (neither \"appendix_a\" nor an array)");
}

}  // namespace baton::vectors
