// Merkle trees as RFC 9162 §2.1 defines them, generic over the hash function.
//
//   leaf hash      = H(0x00 || data)
//   node hash      = H(0x01 || left || right)
//   root of {}     = H("")
//   root of D[n]   = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two < n
//
// Baton hashes chunk trees and the witness log with BLAKE2b-256; SHA-256 exists so that the
// same code runs the RFC 6962 / transparency-dev vectors (tests/vectors/merkle.cpp).
//
// Proof verification follows RFC 9162 §2.1.3.2 and §2.1.4.2 with transparency-dev/merkle's
// policy (the one their test data encodes):
//  - inclusion: index < size, the leaf hash has the hash's size, the proof has exactly the
//    length the (index, size) pair implies;
//  - consistency: size1 == 0 is an error (a proof from the empty tree proves nothing);
//    size1 > size2 is an error; size1 == size2 needs an empty proof and byte-equal roots;
//    otherwise the proof must have exactly the implied length.
// Additionally every proof element must have the hash's size: otherwise bytes could be moved
// between neighbouring elements without changing the hashed concatenation.
//
// A proof authenticates roots, not tree sizes (RFC 9162 hashes no sizes): where two sizes give
// the same proof shape, one proof passes for both with the same root. Callers must take a
// (size, root) pair together from one signed checkpoint or manifest.
//
// Failures are values: bad_input for malformed arguments (sizes, lengths), verify_failed when a
// well-formed proof does not lead to the claimed root. Nothing here throws or aborts on input.
// Thread-safety: the free functions are pure; a Builder is a plain value (one thread at a time).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"

namespace baton::merkle {

// A hash function for the tree. `digest` returns `size` bytes: the hash of the concatenation of
// `parts` (passed in pieces so a 1 MiB chunk is never copied to prepend its 0x00).
struct Hasher {
    const char* name;
    size_t size;
    Bytes (*digest)(std::span<const ByteView> parts);
};

// SHA-256, as in RFC 6962 / RFC 9162 and Certificate Transparency.
const Hasher& sha256_hasher();
// BLAKE2b with a 32-byte output (unkeyed): Baton's chunk trees and witness log.
const Hasher& blake2b_256_hasher();

using Proof = std::vector<Bytes>;

// H(0x00 || data).
Bytes leaf_hash(const Hasher& h, ByteView data);
// H(0x01 || left || right).
Bytes node_hash(const Hasher& h, ByteView left, ByteView right);
// H(""), the root of the empty tree.
Bytes empty_root(const Hasher& h);

// Computes a root from leaf hashes given one at a time, keeping only the roots of the perfect
// subtrees the leaves so far form (one per set bit of size(): O(log n) hashes of state).
class Builder {
public:
    explicit Builder(const Hasher& h) : h_(&h) {}

    // Appends a leaf by its leaf hash. Fails (bad_input) when it is not h.size bytes; the
    // builder is then unchanged.
    Status add_leaf_hash(ByteView leaf_hash);
    // Appends a leaf by its data (hashes it with the 0x00 prefix first).
    void add_leaf(ByteView data);

    uint64_t size() const { return size_; }
    // The root of the leaves added so far (empty_root() when none). Does not change the state.
    Bytes root() const;

private:
    const Hasher* h_;
    uint64_t size_ = 0;
    std::vector<Bytes> stack_;  // perfect-subtree roots, largest (leftmost) first
};

// The root over `leaf_hashes`. Fails (bad_input) when a leaf hash has the wrong size.
Result<Bytes> root(const Hasher& h, std::span<const Bytes> leaf_hashes);

// RFC 9162 §2.1.3.1 PATH(index, D[n]) where n = leaf_hashes.size(): sibling hashes from the
// leaf up. Fails (bad_input) when index >= n or a leaf hash has the wrong size.
Result<Proof> inclusion_proof(const Hasher& h, std::span<const Bytes> leaf_hashes, uint64_t index);

// RFC 9162 §2.1.3.2. Ok only when `proof` shows the leaf `leaf_hash` at `index` in the tree of
// `size` leaves whose root is `root` (policy above).
Status verify_inclusion(const Hasher& h, uint64_t index, uint64_t size, ByteView leaf_hash,
                        std::span<const Bytes> proof, ByteView root);

// RFC 9162 §2.1.4.1 PROOF(size1, D[n]) where n = leaf_hashes.size(): shows the tree of the
// first size1 leaves is a prefix of the whole. Empty when size1 == n. Fails (bad_input) when
// size1 == 0 or size1 > n (see the policy above) or a leaf hash has the wrong size.
Result<Proof> consistency_proof(const Hasher& h, std::span<const Bytes> leaf_hashes, uint64_t size1);

// RFC 9162 §2.1.4.2. Ok only when `proof` shows the tree of `size1` leaves with root `root1` is
// a prefix of the tree of `size2` leaves with root `root2` (policy above).
Status verify_consistency(const Hasher& h, uint64_t size1, uint64_t size2, std::span<const Bytes> proof,
                          ByteView root1, ByteView root2);

}  // namespace baton::merkle
