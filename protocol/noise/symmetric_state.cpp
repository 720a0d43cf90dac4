#include "protocol/noise/symmetric_state.h"

#include <algorithm>
#include <array>

namespace baton::noise {

namespace {

// Copies a 64-byte digest into a Secret and wipes the digest.
Secret<64> take_secret(crypto::Digest64& d) {
    Secret<64> s{std::span<const uint8_t, 64>(d)};
    wipe_bytes(d);
    return s;
}

// The first 32 bytes of a 64-byte HKDF output, as a cipher key (§5.2: truncate when HASHLEN 64).
Secret<32> truncate_key(const Secret<64>& temp_k) {
    return Secret<32>{temp_k.view().first<32>()};
}

}  // namespace

HkdfOutput hkdf(const Secret<64>& chaining_key, ByteView ikm, int num_outputs) {
    crypto::Digest64 temp = crypto::hmac_blake2b(chaining_key.view(), ikm);
    Secret<64> temp_key = take_secret(temp);
    HkdfOutput out;
    const uint8_t one = 0x01;
    temp = crypto::hmac_blake2b(temp_key.view(), ByteView(&one, 1));
    out.out1 = take_secret(temp);

    std::array<uint8_t, kHashLen + 1> buf{};
    std::copy_n(out.out1.data(), kHashLen, buf.begin());
    buf[kHashLen] = 0x02;
    temp = crypto::hmac_blake2b(temp_key.view(), buf);
    out.out2 = take_secret(temp);
    if (num_outputs == 3) {
        std::copy_n(out.out2.data(), kHashLen, buf.begin());
        buf[kHashLen] = 0x03;
        temp = crypto::hmac_blake2b(temp_key.view(), buf);
        out.out3 = take_secret(temp);
    }
    wipe_bytes(buf);
    return out;
}

SymmetricState::SymmetricState(std::string_view protocol_name) {
    ByteView name = as_bytes(protocol_name);
    if (name.size() <= kHashLen) {
        std::copy(name.begin(), name.end(), h_.begin());
    } else {
        Bytes digest = crypto::blake2b(name, kHashLen);
        std::copy_n(digest.begin(), kHashLen, h_.begin());
    }
    ck_ = Secret<64>{std::span<const uint8_t, 64>(h_)};
}

void SymmetricState::mix_key(ByteView input_key_material) {
    HkdfOutput out = hkdf(ck_, input_key_material, 2);
    ck_ = std::move(out.out1);
    cipher_ = CipherState(truncate_key(out.out2));
}

void SymmetricState::mix_hash(ByteView data) {
    crypto::Blake2b hash(kHashLen);
    hash.update(h_);
    hash.update(data);
    Bytes digest = hash.finish();
    std::copy_n(digest.begin(), kHashLen, h_.begin());
}

void SymmetricState::mix_key_and_hash(ByteView input_key_material) {
    HkdfOutput out = hkdf(ck_, input_key_material, 3);
    ck_ = std::move(out.out1);
    mix_hash(out.out2.view());
    cipher_ = CipherState(truncate_key(out.out3));
}

Result<Bytes> SymmetricState::encrypt_and_hash(ByteView plaintext) {
    BATON_ASSIGN(Bytes ciphertext, cipher_.encrypt_with_ad(h_, plaintext));
    mix_hash(ciphertext);
    return ciphertext;
}

Result<Bytes> SymmetricState::decrypt_and_hash(ByteView ciphertext) {
    BATON_ASSIGN(Bytes plaintext, cipher_.decrypt_with_ad(h_, ciphertext));
    mix_hash(ciphertext);
    return plaintext;
}

std::pair<CipherState, CipherState> SymmetricState::split() {
    HkdfOutput out = hkdf(ck_, {}, 2);
    ck_.wipe();
    CipherState retired = std::move(cipher_);  // leaves cipher_ failing closed
    return {CipherState(truncate_key(out.out1)), CipherState(truncate_key(out.out2))};
}

}  // namespace baton::noise
