// The identity key file of an agent's home (identity.key, mode 0600): the public identity in
// clear, and the secrets — identity seed and storage key — either sealed under a passphrase
// (Argon2id, then XChaCha20-Poly1305 with the public identity as associated data) or, when the
// operator chose --no-passphrase, stored as is.
#pragma once

#include "certs/types.h"
#include "core/secret.h"

namespace baton::certs {

struct AgentKeys {
    crypto::Ed25519KeyPair identity;
    crypto::Key32 storage_key;
};

// `passphrase` null means unprotected. REQUIRES: identity was made from keys.identity.
Result<Bytes> encode_key_file(const Identity& identity, const AgentKeys& keys, const SecretBytes* passphrase,
                              crypto::ArgonCost cost);

// The public identity, readable without the passphrase. Fails (bad_input) on a truncated or
// corrupt file.
Result<Identity> key_file_identity(ByteView file);
Result<bool> key_file_is_sealed(ByteView file);

// Fails: bad_input (truncated, corrupt, keys that do not match the identity), auth (wrong
// passphrase), usage (a passphrase is needed but none was given).
Result<AgentKeys> unlock_key_file(ByteView file, const SecretBytes* passphrase);

}  // namespace baton::certs
