#include "storage/records/key_hash.h"

#include <cstring>

#include "core/bytes.h"
#include "core/crypto.h"

namespace baton::records {

namespace {
KeyHash to_key_hash(const Bytes& b) {
    KeyHash h;
    std::memcpy(h.data(), b.data(), h.size());
    return h;
}
}  // namespace

// Input: u32 count, then per value: u8 present, u64 length, bytes (big-endian integers).
KeyHash KeyHasher::hash(std::span<const FieldValue> values) const {
    crypto::Blake2b h(16, key_.view());
    uint8_t head[9];
    const auto n = static_cast<uint32_t>(values.size());
    for (int i = 0; i < 4; ++i) head[i] = static_cast<uint8_t>(n >> (24 - 8 * i));
    h.update(ByteView(head, 4));
    for (const FieldValue& v : values) {
        head[0] = v ? 1 : 0;
        const uint64_t len = v ? v->size() : 0;
        for (int i = 0; i < 8; ++i) head[1 + i] = static_cast<uint8_t>(len >> (56 - 8 * i));
        h.update(ByteView(head, 9));
        if (v) h.update(as_bytes(*v));
    }
    return to_key_hash(h.finish());
}

KeyHash KeyHasher::hash_one(std::string_view value) const {
    const FieldValue v[1] = {value};
    return hash(v);
}

KeyHashSet::KeyHashSet() : slots_(1024) {}

// Two 8-byte loads instead of a memcmp call: this is the hot loop of duplicate checks.
bool KeyHashSet::same(const KeyHash& a, const KeyHash& b) {
    uint64_t a0, a1, b0, b1;
    std::memcpy(&a0, a.data(), 8);
    std::memcpy(&a1, a.data() + 8, 8);
    std::memcpy(&b0, b.data(), 8);
    std::memcpy(&b1, b.data() + 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

size_t KeyHashSet::slot_of(const KeyHash& h) const {
    uint64_t x;
    std::memcpy(&x, h.data(), sizeof x);  // the hash is uniform: its first bytes index the table
    return static_cast<size_t>(x) & (slots_.size() - 1);
}

bool KeyHashSet::insert(const KeyHash& h) {
    if (empty(h)) {
        if (has_zero_) return false;
        has_zero_ = true;
        ++size_;
        return true;
    }
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();
    for (size_t i = slot_of(h);; i = (i + 1) & (slots_.size() - 1)) {
        if (same(slots_[i], h)) return false;
        if (empty(slots_[i])) {
            slots_[i] = h;
            ++size_;
            return true;
        }
    }
}

bool KeyHashSet::contains(const KeyHash& h) const {
    if (empty(h)) return has_zero_;
    for (size_t i = slot_of(h);; i = (i + 1) & (slots_.size() - 1)) {
        if (same(slots_[i], h)) return true;
        if (empty(slots_[i])) return false;
    }
}

void KeyHashSet::grow() {
    std::vector<KeyHash> old(slots_.size() * 2);
    old.swap(slots_);
    for (const KeyHash& h : old) {
        if (empty(h)) continue;
        size_t i = slot_of(h);
        while (!empty(slots_[i])) i = (i + 1) & (slots_.size() - 1);
        slots_[i] = h;
    }
}

}  // namespace baton::records
