// core/status.h (Error, Result, Status, BATON_TRY, BATON_ASSIGN) and core/secret.h.
#include <catch2/catch.hpp>

#include <array>
#include <memory>
#include <string>

#include "core/secret.h"
#include "core/status.h"

using namespace baton;

namespace {

Result<int> parse_digit(char c) {
    if (c < '0' || c > '9') return input_error(std::string("not a digit: ") + c);
    return c - '0';
}

// Uses BATON_ASSIGN twice: the first failure is returned unchanged.
Result<int> add_digits(char a, char b) {
    BATON_ASSIGN(int x, parse_digit(a));
    BATON_ASSIGN(const int y, parse_digit(b));
    return x + y;
}

Status require_digit(char c, int& calls) {
    ++calls;
    BATON_TRY(parse_digit(c));
    return ok_status();
}

Secret<4> secret_of(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    const std::array<uint8_t, 4> v{a, b, c, d};
    return Secret<4>(std::span<const uint8_t, 4>(v));
}

}  // namespace

TEST_CASE("a Result holds either a value or an error", "[status]") {
    Result<int> good = 7;
    REQUIRE(good.ok());
    CHECK(static_cast<bool>(good));
    CHECK(*good == 7);

    Result<int> bad = verify_error("signature over the manifest does not verify");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().kind() == ErrorKind::verify_failed);
    CHECK(bad.error().message() == "signature over the manifest does not verify");
}

TEST_CASE("a Result can hold a move-only value", "[status]") {
    Result<std::unique_ptr<int>> r = std::make_unique<int>(5);
    REQUIRE(r);
    std::unique_ptr<int> p = std::move(r).value();
    CHECK(*p == 5);
}

TEST_CASE("BATON_ASSIGN returns the first error and otherwise yields the value", "[status]") {
    auto ok = add_digits('3', '4');
    REQUIRE(ok);
    CHECK(*ok == 7);
    auto first = add_digits('x', 'y');
    REQUIRE_FALSE(first);
    CHECK(first.error().message() == "not a digit: x");
    auto second = add_digits('1', 'y');
    REQUIRE_FALSE(second);
    CHECK(second.error().message() == "not a digit: y");
}

TEST_CASE("BATON_TRY propagates a failure and lets success through", "[status]") {
    int calls = 0;
    CHECK(require_digit('5', calls).ok());
    const Status s = require_digit('?', calls);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().kind() == ErrorKind::bad_input);
    CHECK(calls == 2);
    CHECK(ok_status().ok());
}

TEST_CASE("error context prefixes the message and keeps the kind", "[status]") {
    const Error e = io_error("permission denied");
    const Error c = e.context("reading /home/a/identity.key");
    CHECK(c.kind() == ErrorKind::io);
    CHECK(c.message() == "reading /home/a/identity.key: permission denied");
}

TEST_CASE("error kinds map to their documented, stable exit codes", "[status]") {
    CHECK(exit_code(ErrorKind::internal) == 1);
    CHECK(exit_code(ErrorKind::usage) == 2);
    CHECK(exit_code(ErrorKind::bad_input) == 3);
    CHECK(exit_code(ErrorKind::auth) == 4);
    CHECK(exit_code(ErrorKind::unreachable) == 5);
    CHECK(exit_code(ErrorKind::verify_failed) == 6);
    CHECK(exit_code(ErrorKind::io) == 7);
    CHECK(exit_code(ErrorKind::conflict) == 8);
    CHECK(std::string(kind_name(ErrorKind::bad_input)) == "bad_input");
}

TEST_CASE("moving a secret wipes the source", "[secret]") {
    Secret<4> a = secret_of(1, 2, 3, 4);
    Secret<4> b = std::move(a);
    CHECK(a.is_zero());  // NOLINT(bugprone-use-after-move): the wipe is the point
    CHECK_FALSE(b.is_zero());
    CHECK(b.data()[0] == 1);
    CHECK(b.data()[3] == 4);

    Secret<4> c;
    c = std::move(b);
    CHECK(b.is_zero());  // NOLINT(bugprone-use-after-move)
    CHECK(c.data()[2] == 3);
}

TEST_CASE("moving a secret bytes buffer leaves the source empty", "[secret]") {
    SecretBytes a(std::string_view("passphrase"));
    SecretBytes b = std::move(a);
    CHECK(a.empty());  // NOLINT(bugprone-use-after-move)
    CHECK(b.size() == 10);
}

TEST_CASE("secrets compare by content, byte by byte, through sodium_memcmp", "[secret]") {
    // sodium_memcmp's running time does not depend on where the first difference is; these
    // checks pin the result for a difference at each end and in the middle.
    const Secret<4> a = secret_of(9, 8, 7, 6);
    CHECK(a.equals(secret_of(9, 8, 7, 6)));
    CHECK_FALSE(a.equals(secret_of(0, 8, 7, 6)));
    CHECK_FALSE(a.equals(secret_of(9, 8, 0, 6)));
    CHECK_FALSE(a.equals(secret_of(9, 8, 7, 7)));
    CHECK(a.clone().equals(a));
}

TEST_CASE("wipe zeroes a secret and a default secret is zero", "[secret]") {
    Secret<4> a = secret_of(1, 1, 1, 1);
    CHECK_FALSE(a.is_zero());
    a.wipe();
    CHECK(a.is_zero());
    CHECK(Secret<32>().is_zero());
}
