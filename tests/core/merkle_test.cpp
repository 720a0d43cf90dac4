// core/merkle.h: the streaming builder against a direct transcription of RFC 9162's MTH, and
// every inclusion and consistency proof of small trees generated, verified and tampered with.
#include <catch2/catch.hpp>

#include <string>

#include "core/crypto.h"
#include "core/merkle.h"

using namespace baton;
namespace mk = baton::merkle;

namespace {

constexpr uint64_t kMaxProofTree = 40;

Bytes leaf_data(size_t i) { return to_bytes("chunk-" + std::to_string(i)); }

// RFC 9162 §2.1.1 MTH written out with its own hashing (SHA-256 over explicit concatenations),
// sharing nothing with core/merkle.cpp.
Bytes reference_mth(const std::vector<Bytes>& d, size_t lo, size_t hi) {
    const auto digest = [](const Bytes& in) {
        const crypto::Digest32 h = crypto::sha256(in);
        return Bytes(h.begin(), h.end());
    };
    if (hi == lo) return digest({});
    if (hi - lo == 1) {
        Bytes in{0x00};
        append(in, d[lo]);
        return digest(in);
    }
    size_t k = 1;
    while (k * 2 < hi - lo) k *= 2;
    Bytes in{0x01};
    append(in, reference_mth(d, lo, lo + k));
    append(in, reference_mth(d, lo + k, hi));
    return digest(in);
}

std::vector<Bytes> leaf_hashes(const mk::Hasher& h, size_t n) {
    std::vector<Bytes> out;
    for (size_t i = 0; i < n; ++i) out.push_back(mk::leaf_hash(h, leaf_data(i)));
    return out;
}

Bytes root_of(const mk::Hasher& h, const std::vector<Bytes>& leaves, size_t n) {
    return *mk::root(h, std::span<const Bytes>(leaves).first(n));
}

}  // namespace

TEST_CASE("the streaming builder matches RFC 9162's recursive definition for sizes 0 to 70", "[merkle]") {
    std::vector<Bytes> data;
    mk::Builder builder(mk::sha256_hasher());
    for (size_t n = 0; n <= 70; ++n) {
        CAPTURE(n);
        const Bytes want = reference_mth(data, 0, n);
        CHECK(builder.size() == n);
        CHECK(builder.root() == want);
        CHECK(builder.root() == want);  // root() does not disturb the state
        CHECK(*mk::root(mk::sha256_hasher(), leaf_hashes(mk::sha256_hasher(), n)) == want);
        data.push_back(leaf_data(n));
        builder.add_leaf(data.back());
    }
}

TEST_CASE("the empty tree's root is the hash of the empty string", "[merkle]") {
    CHECK(to_hex(mk::empty_root(mk::sha256_hasher())) ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(mk::Builder(mk::blake2b_256_hasher()).root() == crypto::blake2b(ByteView{}, 32));
}

TEST_CASE("the BLAKE2b-256 tree uses the 0x00 and 0x01 prefixes over unkeyed BLAKE2b-256", "[merkle]") {
    const auto& h = mk::blake2b_256_hasher();
    const Bytes a = to_bytes("a"), b = to_bytes("b");
    const Bytes la = crypto::blake2b(Bytes{0x00, 'a'}, 32);
    const Bytes lb = crypto::blake2b(Bytes{0x00, 'b'}, 32);
    CHECK(mk::leaf_hash(h, a) == la);
    Bytes node{0x01};
    append(node, la);
    append(node, lb);
    mk::Builder builder(h);
    builder.add_leaf(a);
    builder.add_leaf(b);
    CHECK(builder.root() == crypto::blake2b(node, 32));
    CHECK(builder.root() != *mk::root(mk::sha256_hasher(), leaf_hashes(mk::sha256_hasher(), 2)));
}

TEST_CASE("the builder refuses a leaf hash of the wrong size and stays unchanged", "[merkle]") {
    mk::Builder builder(mk::sha256_hasher());
    builder.add_leaf(to_bytes("x"));
    const Bytes before = builder.root();
    const Status s = builder.add_leaf_hash(Bytes(31, 0));
    REQUIRE_FALSE(s);
    CHECK(s.error().kind() == ErrorKind::bad_input);
    CHECK(builder.size() == 1);
    CHECK(builder.root() == before);
    CHECK_FALSE(mk::root(mk::sha256_hasher(), std::vector<Bytes>{Bytes(33, 0)}));
}

TEST_CASE("every inclusion proof up to 40 leaves verifies and fails for another index or size", "[merkle]") {
    const auto& h = mk::blake2b_256_hasher();
    const auto leaves = leaf_hashes(h, kMaxProofTree);
    for (uint64_t n = 1; n <= kMaxProofTree; ++n) {
        const Bytes root = root_of(h, leaves, n);
        const auto tree = std::span<const Bytes>(leaves).first(n);
        for (uint64_t i = 0; i < n; ++i) {
            CAPTURE(n, i);
            auto proof = mk::inclusion_proof(h, tree, i);
            REQUIRE(proof);
            CHECK(mk::verify_inclusion(h, i, n, leaves[i], *proof, root).ok());
            if (n > 1) {
                CHECK_FALSE(mk::verify_inclusion(h, i, n, leaves[(i + 1) % n], *proof, root));
                CHECK_FALSE(mk::verify_inclusion(h, (i + 1) % n, n, leaves[i], *proof, root));
            }
            if (n < kMaxProofTree)
                CHECK_FALSE(mk::verify_inclusion(h, i, n + 1, leaves[i], *proof, root_of(h, leaves, n + 1)));
            CHECK_FALSE(mk::verify_inclusion(h, i, n, leaves[i], *proof, root_of(h, leaves, n - 1)));
        }
        CHECK_FALSE(mk::inclusion_proof(h, tree, n));
        CHECK_FALSE(mk::verify_inclusion(h, n, n, leaves[0], {}, root));
    }
}

TEST_CASE("a tampered inclusion proof is rejected", "[merkle]") {
    const auto& h = mk::sha256_hasher();
    const auto leaves = leaf_hashes(h, kMaxProofTree);
    for (uint64_t n = 1; n <= kMaxProofTree; ++n) {
        const Bytes root = root_of(h, leaves, n);
        for (uint64_t i = 0; i < n; ++i) {
            CAPTURE(n, i);
            const auto proof = *mk::inclusion_proof(h, std::span<const Bytes>(leaves).first(n), i);
            for (size_t e = 0; e < proof.size(); ++e) {
                auto bad = proof;
                bad[e][e % bad[e].size()] ^= 0x04;
                CHECK_FALSE(mk::verify_inclusion(h, i, n, leaves[i], bad, root));
                bad = proof;
                bad[e].pop_back();  // wrong element size
                CHECK_FALSE(mk::verify_inclusion(h, i, n, leaves[i], bad, root));
            }
            auto longer = proof;
            longer.push_back(root);
            CHECK_FALSE(mk::verify_inclusion(h, i, n, leaves[i], longer, root));
            if (!proof.empty()) {
                auto shorter = proof;
                shorter.pop_back();
                CHECK_FALSE(mk::verify_inclusion(h, i, n, leaves[i], shorter, root));
            }
            Bytes bad_leaf = leaves[i];
            bad_leaf[0] ^= 1;
            CHECK_FALSE(mk::verify_inclusion(h, i, n, bad_leaf, proof, root));
        }
    }
}

TEST_CASE("every consistency proof up to 40 leaves verifies and tampering is rejected", "[merkle]") {
    const auto& h = mk::sha256_hasher();
    const auto leaves = leaf_hashes(h, kMaxProofTree);
    for (uint64_t n = 1; n <= kMaxProofTree; ++n) {
        const Bytes root2 = root_of(h, leaves, n);
        const auto tree = std::span<const Bytes>(leaves).first(n);
        for (uint64_t m = 1; m <= n; ++m) {
            CAPTURE(n, m);
            const Bytes root1 = root_of(h, leaves, m);
            auto proof = mk::consistency_proof(h, tree, m);
            REQUIRE(proof);
            CHECK(proof->empty() == (m == n));
            CHECK(mk::verify_consistency(h, m, n, *proof, root1, root2).ok());
            if (m == n) continue;
            CHECK_FALSE(mk::verify_consistency(h, m, n, *proof, root2, root2));
            CHECK_FALSE(mk::verify_consistency(h, m, n, *proof, root1, root1));
            CHECK_FALSE(mk::verify_consistency(h, m, n, *proof, root2, root1));
            if (m > 1) CHECK_FALSE(mk::verify_consistency(h, m - 1, n, *proof, root_of(h, leaves, m - 1), root2));
            if (n < kMaxProofTree)
                CHECK_FALSE(mk::verify_consistency(h, m, n + 1, *proof, root1, root_of(h, leaves, n + 1)));
            for (size_t e = 0; e < proof->size(); ++e) {
                auto bad = *proof;
                bad[e][31 - e % 32] ^= 0x80;
                CHECK_FALSE(mk::verify_consistency(h, m, n, bad, root1, root2));
            }
            auto longer = *proof;
            longer.push_back(root2);
            CHECK_FALSE(mk::verify_consistency(h, m, n, longer, root1, root2));
            auto shorter = *proof;
            shorter.pop_back();
            CHECK_FALSE(mk::verify_consistency(h, m, n, shorter, root1, root2));
        }
    }
}

TEST_CASE("a proof binds roots, not sizes: size and root must come from one signed checkpoint", "[merkle]") {
    // RFC 9162 proofs hash no sizes. Where two sizes give the same proof shape, a proof for one
    // also passes for the other with the same root, so callers must take (size, root) together
    // from a signed checkpoint and never combine a size from one place with a root from another.
    const auto& h = mk::sha256_hasher();
    const auto leaves = leaf_hashes(h, 40);
    const Bytes r32 = root_of(h, leaves, 32), r40 = root_of(h, leaves, 40);
    const auto proof = *mk::consistency_proof(h, leaves, 32);
    CHECK(mk::verify_consistency(h, 32, 40, proof, r32, r40).ok());
    CHECK(mk::verify_consistency(h, 32, 41, proof, r32, r40).ok());
    const auto incl = *mk::inclusion_proof(h, std::span<const Bytes>(leaves).first(3), 0);
    CHECK(mk::verify_inclusion(h, 0, 4, leaves[0], incl, root_of(h, leaves, 3)).ok());
}

TEST_CASE("consistency follows transparency-dev's policy at the edges", "[merkle]") {
    const auto& h = mk::sha256_hasher();
    const auto leaves = leaf_hashes(h, 4);
    const Bytes r0 = mk::empty_root(h), r1 = root_of(h, leaves, 1), r4 = root_of(h, leaves, 4);
    // From the empty tree: meaningless, refused with or without a proof, even to itself.
    CHECK_FALSE(mk::verify_consistency(h, 0, 4, {}, r0, r4));
    CHECK_FALSE(mk::verify_consistency(h, 0, 0, {}, r0, r0));
    CHECK_FALSE(mk::consistency_proof(h, leaves, 0));
    // Shrinking is refused.
    CHECK_FALSE(mk::verify_consistency(h, 4, 1, {}, r4, r1));
    CHECK_FALSE(mk::consistency_proof(h, std::span<const Bytes>(leaves).first(1), 4));
    // Equal sizes: empty proof and equal roots only.
    CHECK(mk::verify_consistency(h, 4, 4, {}, r4, r4).ok());
    CHECK_FALSE(mk::verify_consistency(h, 4, 4, {}, r4, r1));
    CHECK_FALSE(mk::verify_consistency(h, 4, 4, std::vector<Bytes>{r4}, r4, r4));
    // Different sizes with no proof at all.
    CHECK_FALSE(mk::verify_consistency(h, 1, 4, {}, r1, r4));
}
