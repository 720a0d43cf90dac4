// Types for secret material: private keys, content keys, passphrases.
//
// Contract: a secret is move-only (never silently copied), wiped with sodium_memzero when
// destroyed or moved from, compared only in constant time, and has no stream or fmt formatter,
// so it cannot end up in a log by accident. Copy one out only with an explicit clone().
#pragma once

#include <sodium.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace baton {

template <size_t N>
class Secret {
public:
    static constexpr size_t size() { return N; }

    Secret() { bytes_.fill(0); }
    // Copies `src` (which must hold exactly N bytes) into a new secret.
    explicit Secret(std::span<const uint8_t, N> src) { std::copy(src.begin(), src.end(), bytes_.begin()); }
    ~Secret() { wipe(); }

    Secret(const Secret&) = delete;
    Secret& operator=(const Secret&) = delete;
    Secret(Secret&& other) noexcept : bytes_(other.bytes_) { other.wipe(); }
    Secret& operator=(Secret&& other) noexcept {
        if (this != &other) { bytes_ = other.bytes_; other.wipe(); }
        return *this;
    }

    Secret clone() const { Secret s; s.bytes_ = bytes_; return s; }

    uint8_t* data() { return bytes_.data(); }
    const uint8_t* data() const { return bytes_.data(); }
    std::span<const uint8_t, N> view() const { return std::span<const uint8_t, N>(bytes_); }
    std::span<uint8_t, N> mut_view() { return std::span<uint8_t, N>(bytes_); }

    // Constant-time comparison.
    bool equals(const Secret& other) const { return sodium_memcmp(bytes_.data(), other.bytes_.data(), N) == 0; }
    bool is_zero() const { return sodium_is_zero(bytes_.data(), N) == 1; }

    void wipe() { sodium_memzero(bytes_.data(), N); }

private:
    std::array<uint8_t, N> bytes_;
};

// A variable-length secret such as a passphrase or a decrypted private-key blob. The buffer is
// allocated once at its final size, so no stale copy is left behind by a reallocation.
class SecretBytes {
public:
    SecretBytes() = default;
    explicit SecretBytes(size_t n) : bytes_(n, 0) {}
    SecretBytes(const uint8_t* p, size_t n) : bytes_(p, p + n) {}
    explicit SecretBytes(std::string_view s)
        : bytes_(reinterpret_cast<const uint8_t*>(s.data()), reinterpret_cast<const uint8_t*>(s.data()) + s.size()) {}
    ~SecretBytes() { wipe(); }

    SecretBytes(const SecretBytes&) = delete;
    SecretBytes& operator=(const SecretBytes&) = delete;
    SecretBytes(SecretBytes&& o) noexcept : bytes_(std::move(o.bytes_)) { o.bytes_.clear(); }
    SecretBytes& operator=(SecretBytes&& o) noexcept {
        if (this != &o) { wipe(); bytes_ = std::move(o.bytes_); o.bytes_.clear(); }
        return *this;
    }

    size_t size() const { return bytes_.size(); }
    bool empty() const { return bytes_.empty(); }
    uint8_t* data() { return bytes_.data(); }
    const uint8_t* data() const { return bytes_.data(); }
    std::span<const uint8_t> view() const { return bytes_; }

    void wipe() { if (!bytes_.empty()) sodium_memzero(bytes_.data(), bytes_.size()); }

private:
    std::vector<uint8_t> bytes_;
};

// Wipes a plain buffer that briefly held secret material (an HMAC output, an AEAD output that
// becomes a key) before it goes out of scope; the compiler cannot elide it.
inline void wipe_bytes(std::span<uint8_t> b) {
    if (!b.empty()) sodium_memzero(b.data(), b.size());
}

}  // namespace baton
