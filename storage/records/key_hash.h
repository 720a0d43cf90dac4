// Hashes of keys for duplicate and reference checks, and a compact set of them.
//
// The Validator keeps, per primary key and unique field, the 16-byte hash of every accepted key
// instead of the key itself: memory is bounded per key (16 bytes per slot, at most 3/4 full, so
// 21..43 bytes per key) whatever the keys' length, and no key text is held. The hash is BLAKE2b-128
// keyed with a 32-byte secret, so hashes of low-entropy keys (mobile numbers, IDs) that the caller
// stores for later reference checks cannot be reversed by guessing without the secret. Use one
// secret per agent (derive it from the storage key) so hashes of different sets match.
// A false "duplicate" needs a 128-bit collision: not a practical concern.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/secret.h"
#include "storage/records/record_reader.h"

namespace baton::records {

using KeyHash = std::array<uint8_t, 16>;

class KeyHasher {
public:
    explicit KeyHasher(const Secret<32>& key) : key_(key.clone()) {}
    KeyHasher clone() const { return KeyHasher(key_); }

    // Hash of a tuple of values, length-prefixed: ("ab","c") differs from ("a","bc"), and a
    // null from "". hash({v}) == hash_one(v).
    KeyHash hash(std::span<const FieldValue> values) const;
    KeyHash hash_one(std::string_view value) const;

private:
    Secret<32> key_;
};

// An open-addressing set of KeyHash (linear probing, power-of-two capacity, at most 3/4 full).
// Not thread-safe.
class KeyHashSet {
public:
    KeyHashSet();
    // Adds h; returns false when it was already present.
    bool insert(const KeyHash& h);
    bool contains(const KeyHash& h) const;
    // Hints that h will be looked up soon: a table of a million keys misses the cache on every
    // lookup, so callers start the load early and do other work meanwhile.
    void prefetch(const KeyHash& h) const { __builtin_prefetch(&slots_[slot_of(h)]); }
    size_t size() const { return size_; }
    size_t memory_bytes() const { return slots_.size() * sizeof(KeyHash); }

    // Calls f(const KeyHash&) for every member, in no particular order.
    template <typename F>
    void for_each(F&& f) const {
        if (has_zero_) f(KeyHash{});
        for (const KeyHash& s : slots_)
            if (!empty(s)) f(s);
    }

private:
    size_t slot_of(const KeyHash& h) const;
    void grow();
    static bool same(const KeyHash& a, const KeyHash& b);
    static bool empty(const KeyHash& a) { return same(a, KeyHash{}); }

    std::vector<KeyHash> slots_;  // all-zero marks an empty slot
    bool has_zero_ = false;       // the all-zero hash itself, kept aside
    size_t size_ = 0;
};

}  // namespace baton::records
