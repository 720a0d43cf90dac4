// certs/keyfile.h: the identity key file opens with the right passphrase only, and a damaged file
// is reported as damaged (bad_input), never as a wrong passphrase.
#include <catch2/catch.hpp>

#include "certs/keyfile.h"
#include "certs_test_util.h"

using namespace baton;
using namespace baton::certs;
using namespace baton::certs::testing;

namespace {

// The cheapest Argon2id cost libsodium allows: unit tests check the construction, not the cost.
const crypto::ArgonCost kCheap{crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};

struct KeyFixture {
    AgentKeys keys{key_from_fill(0x51), Secret<32>()};
    Identity id;
    SecretBytes passphrase{std::string_view("correct horse battery staple")};

    KeyFixture() {
        for (size_t i = 0; i < keys.storage_key.size(); ++i) keys.storage_key.data()[i] = static_cast<uint8_t>(i + 1);
        id = make_identity(keys.identity, "Seller Ltd", "", kNow);
    }

    Bytes sealed() {
        auto file = encode_key_file(id, keys, &passphrase, kCheap);
        REQUIRE(file.ok());
        return std::move(file).value();
    }
    Bytes plain() {
        auto file = encode_key_file(id, keys, nullptr, kCheap);
        REQUIRE(file.ok());
        return std::move(file).value();
    }
};

void check_same_keys(const AgentKeys& got, const AgentKeys& want) {
    CHECK(got.identity.public_key == want.identity.public_key);
    CHECK(got.identity.seed.equals(want.identity.seed));
    CHECK(got.storage_key.equals(want.storage_key));
}

}  // namespace

TEST_CASE("a sealed key file unlocks with the right passphrase", "[keyfile]") {
    KeyFixture f;
    const Bytes file = f.sealed();
    CHECK(*key_file_is_sealed(file));
    auto keys = unlock_key_file(file, &f.passphrase);
    REQUIRE(keys.ok());
    check_same_keys(*keys, f.keys);
}

TEST_CASE("a sealed key file does not hold the secrets in clear", "[keyfile]") {
    KeyFixture f;
    const Bytes file = f.sealed();
    const auto seed = f.keys.identity.seed.view();
    CHECK(std::search(file.begin(), file.end(), seed.begin(), seed.end()) == file.end());
}

TEST_CASE("a sealed key file refuses a wrong passphrase as auth", "[keyfile]") {
    KeyFixture f;
    const Bytes file = f.sealed();
    for (std::string_view wrong : {"correct horse battery stapl", "Correct horse battery staple", "x"}) {
        SecretBytes pass(wrong);
        auto keys = unlock_key_file(file, &pass);
        REQUIRE_FALSE(keys.ok());
        CHECK(keys.error().kind() == ErrorKind::auth);
        CHECK_THAT(keys.error().message(), Catch::Contains("wrong passphrase"));
    }
}

TEST_CASE("a sealed key file without a passphrase is a usage error", "[keyfile]") {
    KeyFixture f;
    auto keys = unlock_key_file(f.sealed(), nullptr);
    REQUIRE_FALSE(keys.ok());
    CHECK(keys.error().kind() == ErrorKind::usage);
}

TEST_CASE("a plain key file opens without a passphrase", "[keyfile]") {
    KeyFixture f;
    const Bytes file = f.plain();
    CHECK_FALSE(*key_file_is_sealed(file));
    auto keys = unlock_key_file(file, nullptr);
    REQUIRE(keys.ok());
    check_same_keys(*keys, f.keys);
}

TEST_CASE("the public identity of a key file is readable without the passphrase", "[keyfile]") {
    KeyFixture f;
    for (const Bytes& file : {f.sealed(), f.plain()}) {
        auto id = key_file_identity(file);
        REQUIRE(id.ok());
        CHECK(id->key == f.id.key);
        CHECK(id->name == "Seller Ltd");
    }
}

TEST_CASE("every truncation of a sealed key file is refused as bad_input", "[keyfile]") {
    KeyFixture f;
    const Bytes file = f.sealed();
    for (size_t n = 0; n < file.size(); ++n) {
        auto keys = unlock_key_file(ByteView(file.data(), n), &f.passphrase);
        INFO("prefix of " << n << " of " << file.size() << " bytes");
        REQUIRE_FALSE(keys.ok());
        INFO(keys.error().message());
        CHECK(keys.error().kind() == ErrorKind::bad_input);
    }
}

TEST_CASE("every truncation of a plain key file is refused as bad_input", "[keyfile]") {
    KeyFixture f;
    const Bytes file = f.plain();
    for (size_t n = 0; n < file.size(); ++n) {
        auto keys = unlock_key_file(ByteView(file.data(), n), nullptr);
        INFO("prefix of " << n << " of " << file.size() << " bytes");
        REQUIRE_FALSE(keys.ok());
        INFO(keys.error().message());
        CHECK(keys.error().kind() == ErrorKind::bad_input);
    }
}

TEST_CASE("a key file whose identity belongs to another key is refused", "[keyfile]") {
    KeyFixture f;
    const Identity other = make_identity(key_from_fill(0x52), "Impostor", "", kNow);
    auto file = encode_key_file(other, f.keys, nullptr, kCheap);  // violates the REQUIRES on purpose
    REQUIRE(file.ok());
    auto keys = unlock_key_file(*file, nullptr);
    REQUIRE_FALSE(keys.ok());
    CHECK(keys.error().kind() == ErrorKind::bad_input);
}

TEST_CASE("a sealed key file with any byte flipped never unlocks", "[keyfile]") {
    KeyFixture f;
    const Bytes file = f.sealed();
    for (size_t i = 0; i < file.size(); ++i) {
        Bytes bad = file;
        bad[i] ^= 0x01;
        auto keys = unlock_key_file(bad, &f.passphrase);
        INFO("byte " << i);
        CHECK_FALSE(keys.ok());
    }
}
