// The vector runner's shared pieces: each KIND has a checker that walks one vector file (parsed
// JSON, in the format its ../shared/vectors/KIND/README.md gives) and records every entry.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "core/bytes.h"

namespace baton::vectors {

// Counts entries. An entry passes only when our code reproduces the expected output, or, for an
// entry the source marks invalid, when our code rejects it. Unsupported entries are skipped,
// never passed.
class Tally {
public:
    explicit Tally(bool verbose) : verbose_(verbose) {}
    void check(bool ok, const std::string& entry);
    void skip(const std::string& entry, const std::string& why);
    // Prints an informational line (always, not only when verbose); changes no count.
    void note(const std::string& text);
    int passed() const { return passed_; }
    int failed() const { return failed_; }
    int skipped() const { return skipped_; }

private:
    bool verbose_;
    int passed_ = 0, failed_ = 0, skipped_ = 0;
};

// Hex field `key` of `obj`; throws std::runtime_error naming the field when absent or not hex
// (a malformed vector file is an error of the file, reported by main and counted as a failure).
Bytes hex_field(const nlohmann::json& obj, const char* key);

using Checker = void (*)(const nlohmann::json& doc, Tally& tally);

void check_ed25519(const nlohmann::json& doc, Tally& tally);
void check_x25519(const nlohmann::json& doc, Tally& tally);
void check_blake2b(const nlohmann::json& doc, Tally& tally);
void check_chachapoly(const nlohmann::json& doc, Tally& tally);
void check_merkle(const nlohmann::json& doc, Tally& tally);
void check_noise(const nlohmann::json& doc, Tally& tally);

}  // namespace baton::vectors
