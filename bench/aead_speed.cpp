// bench_aead_speed [SECONDS]: libsodium's ChaCha20-Poly1305 IETF (the AEAD of Baton's Noise
// transport) on this machine, one core: encrypts 1 MiB messages in place, detached tag, for
// SECONDS (default 2) of wall time, then decrypts them as long, and prints one line
//   aead chacha20poly1305-ietf 1MiB encrypt_MBps=N decrypt_MBps=N
// (MB = 10^6 bytes of plaintext). An upper bound on what one core can seal: every byte Baton or
// scp moves is sealed once and opened once.
#include <sodium.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kMessage = 1u << 20;

// Runs `op` on message i = 0, 1, ... until `seconds` have passed; returns MB/s of plaintext.
template <typename Op>
double rate(double seconds, Op op) {
    const auto t0 = Clock::now();
    uint64_t n = 0;
    double elapsed = 0;
    do {
        for (int k = 0; k < 8; ++k) op(n++);
        elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    } while (elapsed < seconds);
    return static_cast<double>(n) * kMessage / 1e6 / elapsed;
}

void nonce_for(uint64_t i, unsigned char* nonce) {
    for (size_t b = 0; b < crypto_aead_chacha20poly1305_IETF_NPUBBYTES; ++b)
        nonce[b] = b < 8 ? static_cast<unsigned char>(i >> (8 * b)) : 0;
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
    if (argc > 2 || !(seconds > 0 && seconds <= 600)) {
        std::fprintf(stderr, "usage: bench_aead_speed [SECONDS (0-600], default 2]\n");
        return 2;
    }
    if (sodium_init() < 0) return 1;
    unsigned char key[crypto_aead_chacha20poly1305_IETF_KEYBYTES];
    crypto_aead_chacha20poly1305_ietf_keygen(key);
    std::vector<unsigned char> buf(kMessage);
    randombytes_buf(buf.data(), buf.size());
    unsigned char nonce[crypto_aead_chacha20poly1305_IETF_NPUBBYTES];
    unsigned char mac[crypto_aead_chacha20poly1305_IETF_ABYTES];

    // Encrypt: each message under its own nonce, the ciphertext overwriting the buffer.
    const double enc = rate(seconds, [&](uint64_t i) {
        nonce_for(i, nonce);
        crypto_aead_chacha20poly1305_ietf_encrypt_detached(buf.data(), mac, nullptr, buf.data(), buf.size(), nullptr,
                                                           0, nullptr, nonce, key);
    });
    // Decrypt: one sealed message opened again and again (each open checks the tag first, then
    // decrypts into a scratch buffer, so the sealed message stays intact).
    nonce_for(0, nonce);
    crypto_aead_chacha20poly1305_ietf_encrypt_detached(buf.data(), mac, nullptr, buf.data(), buf.size(), nullptr, 0,
                                                       nullptr, nonce, key);
    std::vector<unsigned char> plain(kMessage);
    bool failed = false;
    const double dec = rate(seconds, [&](uint64_t) {
        failed |= crypto_aead_chacha20poly1305_ietf_decrypt_detached(plain.data(), nullptr, buf.data(), buf.size(), mac,
                                                                     nullptr, 0, nonce, key) != 0;
    });
    if (failed) {
        std::fprintf(stderr, "bench_aead_speed: a sealed message failed to open\n");
        return 1;
    }
    std::printf("aead chacha20poly1305-ietf 1MiB encrypt_MBps=%.1f decrypt_MBps=%.1f\n", enc, dec);
    return 0;
}
