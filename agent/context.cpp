#include "agent/context.h"

#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iostream>

#include "core/file.h"

namespace baton::agent {

namespace {

constexpr size_t kMaxPassphrase = 1024;

Result<std::optional<SecretBytes>> prompt(const char* question) {
    if (!isatty(STDIN_FILENO)) return std::optional<SecretBytes>();
    std::cerr << question << std::flush;
    termios old{};
    tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    SecretBytes buf(kMaxPassphrase);
    size_t n = 0;
    char c;
    while (n < kMaxPassphrase && ::read(STDIN_FILENO, &c, 1) == 1 && c != '\n') buf.data()[n++] = static_cast<uint8_t>(c);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    std::cerr << "\n";
    if (n == 0) return input_error("empty passphrase");
    return std::optional<SecretBytes>(SecretBytes(buf.data(), n));
}

}  // namespace

Result<std::string> Context::home_dir() const {
    if (!home_option.empty()) return home_option;
    if (const char* env = std::getenv("BATON_HOME"); env && *env) return std::string(env);
    if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.baton";
    return usage_error("no home directory: give --home DIR or set BATON_HOME");
}

Result<std::optional<SecretBytes>> Context::passphrase(bool confirm) const {
    if (!passphrase_file.empty()) {
        BATON_ASSIGN(auto raw, read_secret_file(passphrase_file, kMaxPassphrase));
        size_t n = raw.size();
        if (n > 0 && raw.data()[n - 1] == '\n') --n;
        if (n > 0 && raw.data()[n - 1] == '\r') --n;
        if (n == 0) return input_error("passphrase file " + passphrase_file + " is empty");
        return std::optional<SecretBytes>(SecretBytes(raw.data(), n));
    }
    if (const char* env = std::getenv("BATON_PASSPHRASE"); env && *env) {
        if (std::strlen(env) > kMaxPassphrase) return input_error("BATON_PASSPHRASE is too long");
        return std::optional<SecretBytes>(SecretBytes(std::string_view(env)));
    }
    BATON_ASSIGN(auto first, prompt("Passphrase: "));
    if (!first || !confirm) return first;
    BATON_ASSIGN(auto second, prompt("Passphrase again: "));
    if (!second || second->size() != first->size() ||
        sodium_memcmp(second->data(), first->data(), first->size()) != 0)
        return input_error("the two passphrases differ");
    return first;
}

}  // namespace baton::agent
