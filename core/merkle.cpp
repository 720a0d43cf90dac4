#include "core/merkle.h"

#include <algorithm>
#include <array>
#include <bit>
#include <string>

#include "core/crypto.h"

namespace baton::merkle {

namespace {

constexpr uint8_t kLeafPrefix = 0x00;
constexpr uint8_t kNodePrefix = 0x01;

Bytes sha256_digest(std::span<const ByteView> parts) {
    crypto::Sha256 s;
    for (ByteView p : parts) s.update(p);
    const crypto::Digest32 d = s.finish();
    return Bytes(d.begin(), d.end());
}

Bytes blake2b_256_digest(std::span<const ByteView> parts) {
    crypto::Blake2b b(32);
    for (ByteView p : parts) b.update(p);
    return b.finish();
}

bool same(ByteView a, ByteView b) { return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin()); }

// The split point of RFC 9162 §2.1.1: the largest power of two strictly less than n. REQUIRES: n >= 2.
uint64_t split(uint64_t n) { return std::bit_floor(n - 1); }

Status check_hash_sizes(const Hasher& h, std::span<const Bytes> hashes, const char* what) {
    for (size_t i = 0; i < hashes.size(); ++i) {
        if (hashes[i].size() != h.size)
            return input_error(std::string(what) + " " + std::to_string(i) + " is " +
                               std::to_string(hashes[i].size()) + " bytes, want " + std::to_string(h.size));
    }
    return ok_status();
}

// MTH(D) over leaf hashes. Recursion depth is log2(n).
Bytes subtree_root(const Hasher& h, std::span<const Bytes> leaves) {
    if (leaves.empty()) return empty_root(h);
    if (leaves.size() == 1) return leaves[0];
    const uint64_t k = split(leaves.size());
    return node_hash(h, subtree_root(h, leaves.first(k)), subtree_root(h, leaves.subspan(k)));
}

// Shifts fn and sn right together until fn's lowest bit is set or fn is 0 (RFC 9162 §2.1.3.2 step 4.b.ii).
void shift_to_set_bit(uint64_t& fn, uint64_t& sn) {
    while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
    }
}

}  // namespace

const Hasher& sha256_hasher() {
    static const Hasher h{"sha256", 32, &sha256_digest};
    return h;
}

const Hasher& blake2b_256_hasher() {
    static const Hasher h{"blake2b-256", 32, &blake2b_256_digest};
    return h;
}

Bytes leaf_hash(const Hasher& h, ByteView data) {
    const std::array<uint8_t, 1> prefix{kLeafPrefix};
    const std::array<ByteView, 2> parts{ByteView(prefix), data};
    return h.digest(parts);
}

Bytes node_hash(const Hasher& h, ByteView left, ByteView right) {
    const std::array<uint8_t, 1> prefix{kNodePrefix};
    const std::array<ByteView, 3> parts{ByteView(prefix), left, right};
    return h.digest(parts);
}

Bytes empty_root(const Hasher& h) { return h.digest({}); }

// ---- Builder ----------------------------------------------------------------------------------

Status Builder::add_leaf_hash(ByteView leaf) {
    if (leaf.size() != h_->size)
        return input_error("leaf hash is " + std::to_string(leaf.size()) + " bytes, want " + std::to_string(h_->size));
    // Each set low bit of size_ is a perfect subtree the new leaf completes: merge it in.
    Bytes cur(leaf.begin(), leaf.end());
    for (uint64_t s = size_; (s & 1) != 0; s >>= 1) {
        cur = node_hash(*h_, stack_.back(), cur);
        stack_.pop_back();
    }
    stack_.push_back(std::move(cur));
    ++size_;
    return ok_status();
}

void Builder::add_leaf(ByteView data) {
    Status s = add_leaf_hash(leaf_hash(*h_, data));
    (void)s;  // cannot fail: leaf_hash() returns h.size bytes
}

Bytes Builder::root() const {
    if (stack_.empty()) return empty_root(*h_);
    // The perfect subtrees, left to right, hang off a right spine: fold from the right.
    Bytes r = stack_.back();
    for (size_t i = stack_.size() - 1; i-- > 0;) r = node_hash(*h_, stack_[i], r);
    return r;
}

Result<Bytes> root(const Hasher& h, std::span<const Bytes> leaf_hashes) {
    Builder b(h);
    for (const Bytes& leaf : leaf_hashes) BATON_TRY(b.add_leaf_hash(leaf));
    return b.root();
}

// ---- proof generation -------------------------------------------------------------------------

Result<Proof> inclusion_proof(const Hasher& h, std::span<const Bytes> leaves, uint64_t index) {
    if (index >= leaves.size())
        return input_error("leaf index " + std::to_string(index) + " is not below tree size " +
                           std::to_string(leaves.size()));
    BATON_TRY(check_hash_sizes(h, leaves, "leaf hash"));
    // PATH(m, D[n]) recurses into the half holding m and appends the other half's root; walk
    // down collecting those roots, then reverse so the proof runs from the leaf up.
    Proof proof;
    uint64_t m = index;
    std::span<const Bytes> d = leaves;
    while (d.size() > 1) {
        const uint64_t k = split(d.size());
        if (m < k) {
            proof.push_back(subtree_root(h, d.subspan(k)));
            d = d.first(k);
        } else {
            proof.push_back(subtree_root(h, d.first(k)));
            d = d.subspan(k);
            m -= k;
        }
    }
    std::reverse(proof.begin(), proof.end());
    return proof;
}

Result<Proof> consistency_proof(const Hasher& h, std::span<const Bytes> leaves, uint64_t size1) {
    if (size1 == 0) return input_error("a consistency proof from the empty tree proves nothing");
    if (size1 > leaves.size())
        return input_error("old size " + std::to_string(size1) + " exceeds new size " + std::to_string(leaves.size()));
    BATON_TRY(check_hash_sizes(h, leaves, "leaf hash"));
    // SUBPROOF(m, D[n], b), unrolled: descend while m < n, then add MTH(D[m]) unless b still holds.
    Proof proof;
    uint64_t m = size1;
    std::span<const Bytes> d = leaves;
    bool whole = true;  // b: the subtree being described is the old tree itself
    while (m < d.size()) {
        const uint64_t k = split(d.size());
        if (m <= k) {
            proof.push_back(subtree_root(h, d.subspan(k)));
            d = d.first(k);
        } else {
            proof.push_back(subtree_root(h, d.first(k)));
            d = d.subspan(k);
            m -= k;
            whole = false;
        }
    }
    if (!whole) proof.push_back(subtree_root(h, d));
    std::reverse(proof.begin(), proof.end());
    return proof;
}

// ---- proof verification -----------------------------------------------------------------------

Status verify_inclusion(const Hasher& h, uint64_t index, uint64_t size, ByteView leaf,
                        std::span<const Bytes> proof, ByteView root_hash) {
    if (index >= size)
        return input_error("leaf index " + std::to_string(index) + " is not below tree size " + std::to_string(size));
    if (leaf.size() != h.size) return input_error("leaf hash has the wrong size");
    BATON_TRY(check_hash_sizes(h, proof, "inclusion proof element"));
    uint64_t fn = index;
    uint64_t sn = size - 1;
    Bytes r(leaf.begin(), leaf.end());
    for (const Bytes& p : proof) {
        if (sn == 0) return verify_error("inclusion proof is longer than the tree is deep");
        if ((fn & 1) != 0 || fn == sn) {
            r = node_hash(h, p, r);
            shift_to_set_bit(fn, sn);
        } else {
            r = node_hash(h, r, p);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0) return verify_error("inclusion proof is too short");
    if (!same(r, root_hash)) return verify_error("inclusion proof does not lead to the root");
    return ok_status();
}

Status verify_consistency(const Hasher& h, uint64_t size1, uint64_t size2, std::span<const Bytes> proof,
                          ByteView root1, ByteView root2) {
    if (size1 == 0) return input_error("a consistency proof from the empty tree proves nothing");
    if (size1 > size2)
        return input_error("old size " + std::to_string(size1) + " exceeds new size " + std::to_string(size2));
    if (size1 == size2) {
        if (!proof.empty()) return input_error("equal tree sizes need an empty consistency proof");
        if (!same(root1, root2)) return verify_error("equal tree sizes but different roots");
        return ok_status();
    }
    if (proof.empty()) return input_error("empty consistency proof between different tree sizes");
    BATON_TRY(check_hash_sizes(h, proof, "consistency proof element"));
    // §2.1.4.2 step 2: when size1 is a power of two the old root is the proof's implicit head.
    std::vector<ByteView> path;
    path.reserve(proof.size() + 1);
    if (std::has_single_bit(size1)) path.emplace_back(root1);
    for (const Bytes& c : proof) path.emplace_back(c);

    uint64_t fn = size1 - 1;
    uint64_t sn = size2 - 1;
    while ((fn & 1) != 0) {
        fn >>= 1;
        sn >>= 1;
    }
    Bytes fr(path[0].begin(), path[0].end());
    Bytes sr = fr;
    for (size_t i = 1; i < path.size(); ++i) {
        const ByteView c = path[i];
        if (sn == 0) return verify_error("consistency proof is too long");
        if ((fn & 1) != 0 || fn == sn) {
            fr = node_hash(h, c, fr);
            sr = node_hash(h, c, sr);
            shift_to_set_bit(fn, sn);
        } else {
            sr = node_hash(h, sr, c);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0) return verify_error("consistency proof is too short");
    if (!same(fr, root1)) return verify_error("consistency proof does not lead to the old root");
    if (!same(sr, root2)) return verify_error("consistency proof does not lead to the new root");
    return ok_status();
}

}  // namespace baton::merkle
