// Baton's one error type, returned by value across every layer (no exceptions cross a layer).
//
// An Error carries a Kind, which fixes the process exit code (README "Exit codes": stable,
// scripts rely on it), and a message for people that names the problem: file, line, field, peer.
// Result<T> holds either a value or an Error; Status is Result<void>.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace baton {

// The kinds of failure a user or script can tell apart. The numeric values are exit codes and
// never change meaning; add new kinds at the end.
enum class ErrorKind : int {
    internal = 1,        // our bug or an impossible state
    usage = 2,           // bad command-line usage
    bad_input = 3,       // a file or message that is malformed or violates a bound
    auth = 4,            // authentication failed: passphrase, signature, handshake, certificate
    unreachable = 5,     // the peer could not be reached or went away
    verify_failed = 6,   // a verification that ran to completion found a problem
    io = 7,              // the environment failed: disk full, permission, missing file
    conflict = 8,        // the request conflicts with stored state (exists, not found, wrong state)
};

// Stable exit code for an error kind.
constexpr int exit_code(ErrorKind k) { return static_cast<int>(k); }

// Short stable name for an error kind ("bad_input"), used in JSON output.
const char* kind_name(ErrorKind k);

class [[nodiscard]] Error {
public:
    Error(ErrorKind kind, std::string message) : kind_(kind), message_(std::move(message)) {}

    ErrorKind kind() const { return kind_; }
    const std::string& message() const { return message_; }

    // Returns a copy whose message is "context: message", keeping the kind.
    Error context(const std::string& prefix) const { return Error(kind_, prefix + ": " + message_); }

private:
    ErrorKind kind_;
    std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error error) : v_(std::move(error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    // REQUIRES: ok().
    T& value() & { assert(ok()); return std::get<0>(v_); }
    const T& value() const& { assert(ok()); return std::get<0>(v_); }
    T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    // REQUIRES: !ok().
    const Error& error() const { assert(!ok()); return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : e_(std::move(error)) {}

    bool ok() const { return !e_.has_value(); }
    explicit operator bool() const { return ok(); }
    // REQUIRES: !ok().
    const Error& error() const { assert(!ok()); return *e_; }

private:
    std::optional<Error> e_;
};

using Status = Result<void>;

inline Status ok_status() { return Status(); }

// Shorthands for building errors.
inline Error usage_error(std::string m) { return Error(ErrorKind::usage, std::move(m)); }
inline Error input_error(std::string m) { return Error(ErrorKind::bad_input, std::move(m)); }
inline Error auth_error(std::string m) { return Error(ErrorKind::auth, std::move(m)); }
inline Error io_error(std::string m) { return Error(ErrorKind::io, std::move(m)); }
inline Error verify_error(std::string m) { return Error(ErrorKind::verify_failed, std::move(m)); }
inline Error conflict_error(std::string m) { return Error(ErrorKind::conflict, std::move(m)); }
inline Error internal_error(std::string m) { return Error(ErrorKind::internal, std::move(m)); }

}  // namespace baton

// Propagates a failed Status/Result from the enclosing function.
#define BATON_TRY(expr)                              \
    do {                                             \
        auto baton_try_status_ = (expr);             \
        if (!baton_try_status_) return baton_try_status_.error(); \
    } while (0)

#define BATON_CONCAT_INNER_(a, b) a##b
#define BATON_CONCAT_(a, b) BATON_CONCAT_INNER_(a, b)
#define BATON_ASSIGN_IMPL_(tmp, lhs, expr)           \
    auto tmp = (expr);                               \
    if (!tmp) return tmp.error();                    \
    lhs = std::move(tmp).value()

// `BATON_ASSIGN(auto x, f());` declares x from a successful Result or returns its error.
#define BATON_ASSIGN(lhs, expr) BATON_ASSIGN_IMPL_(BATON_CONCAT_(baton_assign_, __LINE__), lhs, expr)

// Coroutine forms of BATON_TRY and BATON_ASSIGN (they co_return the error).
#define BATON_CO_TRY(expr)                           \
    do {                                             \
        auto baton_try_status_ = (expr);             \
        if (!baton_try_status_) co_return baton_try_status_.error(); \
    } while (0)
#define BATON_CO_ASSIGN_IMPL_(tmp, lhs, expr)        \
    auto tmp = (expr);                               \
    if (!tmp) co_return tmp.error();                 \
    lhs = std::move(tmp).value()
#define BATON_CO_ASSIGN(lhs, expr) BATON_CO_ASSIGN_IMPL_(BATON_CONCAT_(baton_co_assign_, __LINE__), lhs, expr)
