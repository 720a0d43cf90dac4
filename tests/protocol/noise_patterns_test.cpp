// Protocol names, pattern tables, configuration checks and pre-shared keys.
#include <catch2/catch.hpp>

#include "protocol/noise/handshake_state.h"
#include "protocol/noise/patterns.h"
#include "tests/protocol/noise_test_support.h"

namespace baton::noise {
namespace {

using namespace test;

std::string full_name(const std::string& pattern) { return "Noise_" + pattern + "_25519_ChaChaPoly_BLAKE2b"; }

const std::vector<std::string> kAllPatterns = {
    "N",    "K",    "X",    "NN",   "NK",   "NX",   "XN",  "XK",  "XX",  "KN",  "KK",  "KX",  "IN",
    "IK",   "IX",   "NK1",  "NX1",  "X1N",  "X1K",  "XK1", "X1K1", "X1X", "XX1", "X1X1", "K1N", "K1K",
    "KK1",  "K1K1", "K1X",  "KX1",  "K1X1", "I1N",  "I1K", "IK1", "I1K1", "I1X", "IX1", "I1X1",
};

TEST_CASE("every supported pattern, with and without psks, completes a handshake in memory",
          "[noise][patterns]") {
    for (const auto& base : kAllPatterns) {
        for (const std::string mods : {"", "psk0", "psk1", "psk0+psk2"}) {
            auto pattern = parse_pattern(base + mods);
            if (!pattern) {  // psk2 beyond the last message of a one-way pattern
                CHECK(pattern.error().message().find("beyond the last message") != std::string::npos);
                continue;
            }
            INFO(base + mods);
            Endpoints ep = make_endpoints(full_name(base + mods));
            REQUIRE(run_handshake(ep));
            CHECK(ep.init.handshake_hash().value() == ep.resp.handshake_hash().value());
            auto ti = ep.init.split().value();
            auto tr = ep.resp.split().value();
            Bytes ct = ti.send.encrypt_with_ad({}, to_bytes("m")).value();
            CHECK(tr.recv.decrypt_with_ad({}, ct).value() == to_bytes("m"));
        }
    }
}

TEST_CASE("protocol names parse into the spec's token lists", "[noise][patterns]") {
    auto xx = parse_protocol_name("Noise_XXpsk3_25519_ChaChaPoly_BLAKE2b").value();
    CHECK(xx.name == "XXpsk3");
    using Messages = std::vector<std::vector<Token>>;
    CHECK(xx.messages ==
          Messages{{Token::e}, {Token::e, Token::ee, Token::s, Token::es}, {Token::s, Token::se, Token::psk}});
    auto nn = parse_protocol_name("Noise_NNpsk0+psk2_25519_ChaChaPoly_BLAKE2b").value();
    CHECK(nn.messages == Messages{{Token::psk, Token::e}, {Token::e, Token::ee, Token::psk}});
    CHECK(nn.psk_count() == 2);
    auto k = parse_protocol_name("Noise_K_25519_ChaChaPoly_BLAKE2b").value();
    CHECK(k.one_way);
    CHECK(k.initiator_pre == std::vector<Token>{Token::s});
    CHECK(k.responder_pre == std::vector<Token>{Token::s});
    CHECK(k.sender_is_initiator(3));
}

void check_rejected(const std::string& name) {
    INFO(name);
    auto r = parse_protocol_name(name);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind() == ErrorKind::bad_input);
    HandshakeConfig c;
    c.protocol_name = name;
    c.ephemeral = fixed_ephemerals(1);
    CHECK_FALSE(HandshakeState::create(std::move(c)));
}

TEST_CASE("protocol names with another suite or a malformed frame are rejected", "[noise][patterns]") {
    for (const char* name : {"", "Noise", "Noise_XX_25519_ChaChaPoly", "Noise_XX_25519_AESGCM_BLAKE2b",
                             "Noise_XX_448_ChaChaPoly_BLAKE2b", "Noise_XX_25519_ChaChaPoly_SHA256",
                             "Noise_XX_25519_ChaChaPoly_BLAKE2s", "noise_XX_25519_ChaChaPoly_BLAKE2b",
                             "Noise_XX_25519_ChaChaPoly_BLAKE2b_", "Noise__25519_ChaChaPoly_BLAKE2b"})
        check_rejected(name);
    check_rejected(std::string(300, 'N'));
}

TEST_CASE("unknown patterns and bad modifiers are rejected", "[noise][patterns]") {
    for (const char* pattern : {"ZZ", "xx", "XXfallback", "XXpsk4", "Npsk2", "XXpsk", "XXpsk03", "XXpsk0+psk0",
                                "XXpsk0+", "XX+psk0", "XXpsk99999999999999999999", "XXpsk-1", "XX psk0"})
        check_rejected(full_name(pattern));
}

TEST_CASE("a configuration that does not fit the pattern is refused", "[noise][patterns]") {
    SECTION("XX without a local static key") {
        auto c = config_for("Noise_XX_25519_ChaChaPoly_BLAKE2b", Role::initiator);
        c.local_static.reset();
        CHECK_FALSE(HandshakeState::create(std::move(c)));
    }
    SECTION("XX with a pre-set remote static key (it would be silently replaced)") {
        auto c = config_for("Noise_XX_25519_ChaChaPoly_BLAKE2b", Role::initiator);
        c.remote_static = public_of(kRespStatic);
        CHECK_FALSE(HandshakeState::create(std::move(c)));
    }
    SECTION("IK without the responder's key") {
        auto c = config_for("Noise_IK_25519_ChaChaPoly_BLAKE2b", Role::initiator);
        c.remote_static.reset();
        CHECK_FALSE(HandshakeState::create(std::move(c)));
    }
    SECTION("NN with a static key it never uses") {
        auto c = config_for("Noise_NN_25519_ChaChaPoly_BLAKE2b", Role::responder);
        c.local_static = test_key(1);
        CHECK_FALSE(HandshakeState::create(std::move(c)));
    }
    SECTION("no ephemeral source") {
        auto c = config_for("Noise_NN_25519_ChaChaPoly_BLAKE2b", Role::responder);
        c.ephemeral = nullptr;
        CHECK_FALSE(HandshakeState::create(std::move(c)));
    }
    SECTION("the wrong number of psks") {
        auto missing = config_for("Noise_NNpsk0_25519_ChaChaPoly_BLAKE2b", Role::initiator);
        missing.psks.clear();
        CHECK_FALSE(HandshakeState::create(std::move(missing)));
        auto extra = config_for("Noise_NN_25519_ChaChaPoly_BLAKE2b", Role::initiator);
        extra.psks.push_back(test_key(1));
        CHECK_FALSE(HandshakeState::create(std::move(extra)));
    }
    SECTION("the one-way responder needs no ephemeral source") {
        auto c = config_for("Noise_X_25519_ChaChaPoly_BLAKE2b", Role::responder);
        c.ephemeral = nullptr;
        CHECK(HandshakeState::create(std::move(c)));
    }
}

TEST_CASE("a wrong pre-shared key makes the handshake fail", "[noise][psk]") {
    for (const char* pattern : {"NNpsk0", "NNpsk2", "XXpsk3", "IKpsk1", "Npsk0", "NNpsk0+psk2"}) {
        INFO(pattern);
        Endpoints ep = make_endpoints(full_name(pattern), 0xd0, 0xd1);
        auto r = run_handshake(ep);
        REQUIRE_FALSE(r);
        CHECK(r.error().kind() == ErrorKind::auth);
        CHECK((ep.init.next_step() == Step::failed || ep.resp.next_step() == Step::failed));
    }
}

TEST_CASE("with several psks, they are consumed in token order", "[noise][psk]") {
    const std::string name = full_name("NNpsk0+psk2");
    auto init = config_for(name, Role::initiator);
    auto resp = config_for(name, Role::responder);
    std::swap(resp.psks[0], resp.psks[1]);
    Endpoints ep{HandshakeState::create(std::move(init)).value(), HandshakeState::create(std::move(resp)).value()};
    CHECK_FALSE(run_handshake(ep));
}

TEST_CASE("the initial h pads a name of up to 64 bytes with zeros and hashes a longer one", "[noise][symmetric]") {
    const std::string short_name = full_name("XX");
    crypto::Digest64 padded{};
    std::copy(short_name.begin(), short_name.end(), padded.begin());
    CHECK(SymmetricState(short_name).handshake_hash() == padded);

    const std::string long_name(65, 'N');  // no valid name is this long; the rule still holds
    Bytes digest = crypto::blake2b(as_bytes(long_name), 64);
    SymmetricState hashed(long_name);
    const auto& h = hashed.handshake_hash();
    CHECK(Bytes(h.begin(), h.end()) == digest);
}

}  // namespace
}  // namespace baton::noise
