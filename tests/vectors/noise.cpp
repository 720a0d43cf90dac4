// Noise vectors (../shared/vectors/noise/README.md, the Noise wiki "Test vectors" format): for
// each entry an initiator and a responder run the whole conversation. Messages alternate
// initiator -> responder -> initiator ... (one-way patterns: always initiator -> responder); the
// first messages are the handshake, the rest are transport messages under the Split() ciphers.
//
// An ordinary entry passes when every written ciphertext equals the vector's, every read payload
// equals the vector's, and both sides end the handshake with h == handshake_hash (when given).
// An entry marked "fail": true passes only when some write or read is rejected. Entries we do not
// support (another suite, an unknown pattern, "fallback" / Noise Pipes) are skipped, never passed.
// Per the format, init_* / resp_* keys other than the prologues may be absent or null, and other
// implementations' files give keys a pattern does not use (snow gives both statics for NN): our
// engine refuses unused keys, so each side gets only the keys its pattern uses (a missing one is
// still an error).
#include <optional>
#include <stdexcept>
#include <string>

#include "protocol/noise/handshake_state.h"
#include "tests/vectors/runner.h"

namespace baton::vectors {

namespace {

using noise::HandshakeConfig;
using noise::HandshakeState;
using noise::Role;

bool has(const nlohmann::json& v, const std::string& key) { return v.contains(key) && !v.at(key).is_null(); }

Secret<32> secret32(const Bytes& b, const std::string& what) {
    if (b.size() != 32) throw std::runtime_error(what + " is not 32 bytes");
    return Secret<32>{std::span<const uint8_t, 32>(b.data(), 32)};
}

// The config for one side ("init" or "resp"): the keys the entry gives for that side that the
// pattern uses.
HandshakeConfig side_config(const nlohmann::json& v, const noise::HandshakePattern& pattern, Role role) {
    const std::string side = role == Role::initiator ? "init" : "resp";
    const noise::KeyNeeds needs = noise::key_needs(pattern, role == Role::initiator);
    HandshakeConfig c;
    c.protocol_name = v.at("protocol_name").get<std::string>();
    c.role = role;
    c.prologue = hex_field(v, (side + "_prologue").c_str());
    if (const auto key = side + "_static"; needs.local_static && has(v, key))
        c.local_static = secret32(hex_field(v, key.c_str()), key);
    if (const auto key = side + "_remote_static"; needs.remote_static && has(v, key)) {
        Bytes rs = hex_field(v, key.c_str());
        if (rs.size() != 32) throw std::runtime_error(key + " is not 32 bytes");
        c.remote_static.emplace();
        std::copy(rs.begin(), rs.end(), c.remote_static->begin());
    }
    if (const auto key = side + "_psks"; needs.psks > 0 && has(v, key)) {
        for (const auto& p : v.at(key)) c.psks.push_back(secret32(from_hex(p.get<std::string>(), key).value(), key));
    }
    // The fixed ephemeral, handed out once; another request means the engine misbehaves.
    std::optional<Bytes> eph;
    if (const auto key = side + "_ephemeral"; has(v, key)) eph = hex_field(v, key.c_str());
    c.ephemeral = [eph, used = false]() mutable {
        if (!eph || used) throw std::runtime_error("unexpected ephemeral key request");
        used = true;
        return secret32(*eph, "ephemeral");
    };
    return c;
}

struct Message {
    Bytes payload, ciphertext;
};

// One conversation between an initiator and a responder. Each step either goes through, finds a
// mismatch with the vector (`mismatch`), or is rejected by our code (`rejected`).
class Conversation {
public:
    Conversation(HandshakeState init, HandshakeState resp) : init_(std::move(init)), resp_(std::move(resp)) {}

    // Runs message i; false when the conversation cannot go on.
    bool step(size_t i, const Message& m) {
        const bool from_init = init_.pattern().sender_is_initiator(i);
        const std::string where = "message " + std::to_string(i) + ": ";
        const bool ok = transport_ ? transport_step(from_init, m, where) : handshake_step(from_init, m, where);
        if (ok && !transport_ && init_.is_complete() && resp_.is_complete()) return split(where);
        return ok;
    }

    bool handshake_done() const { return transport_.has_value(); }
    // True when both sides report h == expected.
    bool both_hashes_equal(const Bytes& expected) const {
        auto hi = init_.handshake_hash();
        auto hr = resp_.handshake_hash();
        return hi && hr && Bytes(hi->begin(), hi->end()) == expected && Bytes(hr->begin(), hr->end()) == expected;
    }

    std::string mismatch, rejected;

private:
    struct Transport {
        noise::TransportCiphers init, resp;
    };

    bool handshake_step(bool from_init, const Message& m, const std::string& where) {
        HandshakeState& sender = from_init ? init_ : resp_;
        HandshakeState& receiver = from_init ? resp_ : init_;
        auto written = sender.write_message(m.payload);
        if (!written) return reject(where + "write: " + written.error().message());
        if (*written != m.ciphertext) note(where + "written ciphertext differs");
        auto read = receiver.read_message(m.ciphertext);
        if (!read) return reject(where + "read: " + read.error().message());
        if (*read != m.payload) note(where + "read payload differs");
        return true;
    }

    bool transport_step(bool from_init, const Message& m, const std::string& where) {
        auto& send = from_init ? transport_->init.send : transport_->resp.send;
        auto& recv = from_init ? transport_->resp.recv : transport_->init.recv;
        auto written = send.encrypt_with_ad({}, m.payload);
        if (!written) return reject(where + "encrypt: " + written.error().message());
        if (*written != m.ciphertext) note(where + "transport ciphertext differs");
        auto read = recv.decrypt_with_ad({}, m.ciphertext);
        if (!read) return reject(where + "decrypt: " + read.error().message());
        if (*read != m.payload) note(where + "transport payload differs");
        return true;
    }

    bool split(const std::string& where) {
        auto ti = init_.split();
        auto tr = resp_.split();
        if (!ti || !tr) return reject(where + "split failed");
        transport_.emplace(Transport{std::move(ti).value(), std::move(tr).value()});
        return true;
    }

    bool reject(const std::string& why) {
        rejected = why;
        return false;
    }
    // Records the first mismatch; the caller decides whether it matters ("fail" entries may differ).
    void note(const std::string& why) {
        if (mismatch.empty()) mismatch = why;
    }

    HandshakeState init_, resp_;
    std::optional<Transport> transport_;
};

// Runs one entry; returns "" when it passes, else why not.
std::string run_entry(const nlohmann::json& v, Conversation& c, bool expect_fail) {
    std::vector<Message> msgs;
    for (const auto& m : v.at("messages")) msgs.push_back({hex_field(m, "payload"), hex_field(m, "ciphertext")});
    for (size_t i = 0; i < msgs.size(); ++i) {
        if (!c.step(i, msgs[i])) break;
        if (!expect_fail && !c.mismatch.empty()) return c.mismatch;
    }
    if (expect_fail) return c.rejected.empty() ? "entry marked fail, but every message was accepted" : "";
    if (!c.rejected.empty()) return c.rejected;
    if (has(v, "handshake_hash")) {
        if (!c.handshake_done()) return "handshake_hash given, but the conversation ends before the handshake does";
        if (!c.both_hashes_equal(hex_field(v, "handshake_hash"))) return "handshake hash differs";
    }
    return "";
}

void check_entry(const nlohmann::json& v, size_t index, Tally& tally) {
    const std::string name = v.at("protocol_name").get<std::string>();
    const std::string label = name + " #" + std::to_string(index);
    if (v.value("fallback", false) || has(v, "fallback_pattern")) return tally.skip(label, "fallback is unsupported");
    auto pattern = noise::parse_protocol_name(name);
    if (!pattern) return tally.skip(label, pattern.error().message());
    const bool expect_fail = v.value("fail", false);
    auto init = HandshakeState::create(side_config(v, *pattern, Role::initiator));
    auto resp = HandshakeState::create(side_config(v, *pattern, Role::responder));
    std::string why;
    if (init && resp) {
        Conversation c(std::move(init).value(), std::move(resp).value());
        why = run_entry(v, c, expect_fail);
    } else if (!expect_fail) {  // a "fail" entry may be rejected as early as construction
        why = !init ? "initiator: " + init.error().message() : "responder: " + resp.error().message();
    }
    tally.check(why.empty(), why.empty() ? label : label + ": " + why);
}

}  // namespace

void check_noise(const nlohmann::json& doc, Tally& tally) {
    const auto& entries = doc.at("vectors");
    for (size_t i = 0; i < entries.size(); ++i) {
        try {
            check_entry(entries[i], i, tally);
        } catch (const std::exception& e) {
            tally.check(false, "entry #" + std::to_string(i) + ": " + e.what());
        }
    }
}

}  // namespace baton::vectors
