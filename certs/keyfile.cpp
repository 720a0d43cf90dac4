#include "certs/keyfile.h"

#include <cstring>

#include "certs/certs.pb.h"
#include "certs/codec.h"

namespace baton::certs {

namespace {

constexpr size_t kMaxKeyFile = 32 * 1024;
constexpr size_t kSecretsSize = 64;  // identity seed || storage key

Result<wire::IdentityKeyFile> parse(ByteView file) {
    wire::IdentityKeyFile kf;
    if (file.size() > kMaxKeyFile || !kf.ParseFromArray(file.data(), static_cast<int>(file.size())) ||
        kf.version() != 1)
        return input_error("identity key file is truncated or corrupt");
    return kf;
}

Bytes associated_data(const wire::IdentityKeyFile& kf) {
    return to_bytes(std::string("baton-keyfile-v1") + kf.identity());
}

Result<crypto::Key32> derive_key(const wire::IdentityKeyFile& kf, const SecretBytes& passphrase) {
    if (kf.salt().size() != crypto::kArgonSaltSize) return input_error("identity key file is truncated or corrupt");
    // Argon2id counts memory in KiB, so other byte counts in the same KiB derive the same key:
    // refuse them, or a byte of the file could change without anything noticing.
    if (kf.argon_mem() % 1024 != 0) return input_error("identity key file is corrupt (Argon2id memory cost)");
    std::array<uint8_t, crypto::kArgonSaltSize> salt;
    std::memcpy(salt.data(), kf.salt().data(), salt.size());
    return crypto::argon2id(passphrase.view(), salt, crypto::ArgonCost{kf.argon_ops(), kf.argon_mem()});
}

Result<AgentKeys> keys_from(const SecretBytes& secrets, const Identity& id) {
    if (secrets.size() != kSecretsSize) return input_error("identity key file is truncated or corrupt");
    AgentKeys keys{crypto::ed25519_from_seed(Secret<32>(std::span<const uint8_t, 32>(secrets.data(), 32))),
                   crypto::Key32(std::span<const uint8_t, 32>(secrets.data() + 32, 32))};
    if (keys.identity.public_key != id.key) return input_error("identity key file: private key does not match the identity");
    return keys;
}

}  // namespace

Result<Bytes> encode_key_file(const Identity& identity, const AgentKeys& keys, const SecretBytes* passphrase,
                              crypto::ArgonCost cost) {
    SecretBytes secrets(kSecretsSize);
    std::copy(keys.identity.seed.data(), keys.identity.seed.data() + 32, secrets.data());
    std::copy(keys.storage_key.data(), keys.storage_key.data() + 32, secrets.data() + 32);
    wire::IdentityKeyFile kf;
    kf.set_version(1);
    kf.set_identity(identity.envelope.data(), identity.envelope.size());
    if (!passphrase) {
        kf.set_protection(wire::IdentityKeyFile::PROTECTION_NONE);
        kf.set_secrets(secrets.data(), secrets.size());
    } else {
        kf.set_protection(wire::IdentityKeyFile::PROTECTION_ARGON2ID_XCHACHA20POLY1305);
        std::array<uint8_t, crypto::kArgonSaltSize> salt;
        crypto::random_bytes(salt);
        crypto::Nonce24 nonce;
        crypto::random_bytes(nonce);
        kf.set_salt(salt.data(), salt.size());
        kf.set_argon_ops(cost.ops);
        kf.set_argon_mem(cost.mem_bytes);
        kf.set_nonce(nonce.data(), nonce.size());
        BATON_ASSIGN(auto key, derive_key(kf, *passphrase));
        Bytes sealed = crypto::xchacha20poly1305_encrypt(key, nonce, associated_data(kf), secrets.view());
        kf.set_secrets(sealed.data(), sealed.size());
    }
    std::string out;
    kf.SerializeToString(&out);
    // The serialized string held the plain secrets in the unprotected case only; wipe it anyway.
    Bytes result = to_bytes(out);
    sodium_memzero(out.data(), out.size());
    return result;
}

Result<Identity> key_file_identity(ByteView file) {
    BATON_ASSIGN(auto kf, parse(file));
    auto id = decode_identity(as_bytes(kf.identity()));
    if (!id) return input_error("identity key file: " + id.error().message());
    return id;
}

Result<bool> key_file_is_sealed(ByteView file) {
    BATON_ASSIGN(auto kf, parse(file));
    return kf.protection() == wire::IdentityKeyFile::PROTECTION_ARGON2ID_XCHACHA20POLY1305;
}

Result<AgentKeys> unlock_key_file(ByteView file, const SecretBytes* passphrase) {
    BATON_ASSIGN(auto kf, parse(file));
    BATON_ASSIGN(auto id, key_file_identity(file));
    if (kf.protection() == wire::IdentityKeyFile::PROTECTION_NONE) {
        SecretBytes secrets(reinterpret_cast<const uint8_t*>(kf.secrets().data()), kf.secrets().size());
        return keys_from(secrets, id);
    }
    if (kf.protection() != wire::IdentityKeyFile::PROTECTION_ARGON2ID_XCHACHA20POLY1305)
        return input_error("identity key file uses an unknown protection");
    if (!passphrase) return usage_error("the identity key is sealed: give --passphrase-file or set BATON_PASSPHRASE");
    // A file cut after the nonce still parses; without this it would be reported as a wrong passphrase.
    if (kf.nonce().size() != 24 || kf.secrets().size() != kSecretsSize + crypto::kAeadTagSize)
        return input_error("identity key file is truncated or corrupt");
    BATON_ASSIGN(auto key, derive_key(kf, *passphrase));
    crypto::Nonce24 nonce;
    std::memcpy(nonce.data(), kf.nonce().data(), nonce.size());
    auto secrets = crypto::xchacha20poly1305_decrypt_secret(key, nonce, associated_data(kf), as_bytes(kf.secrets()));
    if (!secrets) return auth_error("wrong passphrase for the identity key (or the key file was altered)");
    return keys_from(*secrets, id);
}

}  // namespace baton::certs
