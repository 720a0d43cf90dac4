// Helpers for the Noise tests: deterministic keys, endpoints built from a protocol name, and a
// driver that runs a handshake in memory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <algorithm>
#include <vector>

#include "core/crypto.h"
#include "core/secret.h"
#include "protocol/noise/handshake_state.h"

namespace baton::noise::test {

// A private key whose bytes are seed, seed+1, ... (distinct seeds give distinct keys).
inline Secret<32> test_key(uint8_t seed) {
    Secret<32> k;
    for (size_t i = 0; i < k.size(); ++i) k.data()[i] = static_cast<uint8_t>(seed + i);
    return k;
}

// Ephemeral keys test_key(seed), test_key(seed + 1), ... in order of request.
inline EphemeralSource fixed_ephemerals(uint8_t seed) {
    auto next = std::make_shared<uint8_t>(seed);
    return [next] { return test_key((*next)++); };
}

// A 32-byte public key from 64 hex digits. REQUIRES: valid hex of that length.
inline crypto::PublicKey from_hex_key(std::string_view hex) {
    Bytes b = from_hex(hex).value();
    crypto::PublicKey k{};
    std::copy_n(b.begin(), k.size(), k.begin());
    return k;
}

inline crypto::PublicKey public_of(uint8_t seed) { return crypto::x25519_from_private(test_key(seed)).public_key; }

constexpr uint8_t kInitStatic = 0x10, kRespStatic = 0x40, kInitEphemeral = 0x70, kRespEphemeral = 0xa0;

// Pre-shared keys for one side: test_key(seed), test_key(seed + 1), ...
inline std::vector<Secret<32>> test_psks(uint8_t seed, size_t count) {
    std::vector<Secret<32>> psks;
    for (size_t i = 0; i < count; ++i) psks.push_back(test_key(static_cast<uint8_t>(seed + i)));
    return psks;
}

// A config for `role` in protocol `name`, with every key the pattern needs for that role (static
// keys test_key(kInitStatic / kRespStatic), psks from psk_seed) and fixed ephemerals.
inline HandshakeConfig config_for(const std::string& name, Role role, uint8_t psk_seed = 0xd0,
                                  const Bytes& prologue = {}) {
    const bool init = role == Role::initiator;
    const KeyNeeds needs = key_needs(parse_protocol_name(name).value(), init);
    HandshakeConfig c;
    c.protocol_name = name;
    c.role = role;
    c.prologue = prologue;
    if (needs.local_static) c.local_static = test_key(init ? kInitStatic : kRespStatic);
    if (needs.remote_static) c.remote_static = public_of(init ? kRespStatic : kInitStatic);
    c.psks = test_psks(psk_seed, needs.psks);
    c.ephemeral = fixed_ephemerals(init ? kInitEphemeral : kRespEphemeral);
    return c;
}

struct Endpoints {
    HandshakeState init;
    HandshakeState resp;
};

inline Endpoints make_endpoints(const std::string& name, uint8_t init_psk_seed = 0xd0, uint8_t resp_psk_seed = 0xd0) {
    return Endpoints{HandshakeState::create(config_for(name, Role::initiator, init_psk_seed)).value(),
                     HandshakeState::create(config_for(name, Role::responder, resp_psk_seed)).value()};
}

// The payload carried by handshake message i in these tests.
inline Bytes payload_for(size_t i) { return to_bytes("payload of message " + std::to_string(i)); }

// Runs the handshake to the end, delivering each message unchanged. Returns the messages sent,
// or the first error.
inline Result<std::vector<Bytes>> run_handshake(Endpoints& ep) {
    std::vector<Bytes> sent;
    while (!ep.init.is_complete() || !ep.resp.is_complete()) {
        const bool init_writes = ep.init.next_step() == Step::write;
        HandshakeState& writer = init_writes ? ep.init : ep.resp;
        HandshakeState& reader = init_writes ? ep.resp : ep.init;
        BATON_ASSIGN(Bytes msg, writer.write_message(payload_for(sent.size())));
        BATON_ASSIGN(Bytes payload, reader.read_message(msg));
        if (payload != payload_for(sent.size())) return internal_error("payload differs");
        sent.push_back(std::move(msg));
    }
    return sent;
}

}  // namespace baton::noise::test
