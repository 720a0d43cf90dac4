// baton-vectors KIND FILE [--verbose]: checks every entry of a third-party vector file and prints
// "N passed, M failed" (", K skipped" when some were unsupported). Exit 0 only if none failed.
#include <sodium.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

#include "tests/vectors/runner.h"

namespace baton::vectors {

void Tally::check(bool ok, const std::string& entry) {
    if (ok) {
        ++passed_;
        if (verbose_) std::cout << "pass " << entry << "\n";
    } else {
        ++failed_;
        std::cout << "FAIL " << entry << "\n";
    }
}

void Tally::skip(const std::string& entry, const std::string& why) {
    ++skipped_;
    if (verbose_) std::cout << "skip " << entry << ": " << why << "\n";
}

void Tally::note(const std::string& text) { std::cout << "note: " << text << "\n"; }

Bytes hex_field(const nlohmann::json& obj, const char* key) {
    if (!obj.contains(key) || !obj[key].is_string()) throw std::runtime_error(std::string("missing field ") + key);
    auto r = from_hex(obj[key].get<std::string>(), key);
    if (!r) throw std::runtime_error(r.error().message());
    return *r;
}

}  // namespace baton::vectors

int main(int argc, char** argv) {
    using namespace baton::vectors;
    const std::map<std::string, Checker> kinds = {
        {"ed25519", check_ed25519}, {"x25519", check_x25519}, {"blake2b", check_blake2b},
        {"chachapoly", check_chachapoly}, {"merkle", check_merkle}, {"noise", check_noise},
    };
    if (argc < 3 || argc > 4 || (argc == 4 && std::string(argv[3]) != "--verbose") || !kinds.count(argv[1])) {
        std::cerr << "usage: baton-vectors ed25519|x25519|blake2b|chachapoly|merkle|noise FILE [--verbose]\n";
        return 2;
    }
    if (sodium_init() < 0) return 1;
    constexpr std::streamsize kMaxFile = 64 << 20;  // far above any vector file we know of
    std::ifstream in(argv[2], std::ios::binary);
    if (!in) {
        std::cerr << "baton-vectors: cannot open " << argv[2] << "\n";
        return 3;
    }
    std::stringstream text;
    text << in.rdbuf();
    if (text.tellp() > kMaxFile) {
        std::cerr << "baton-vectors: " << argv[2] << " is larger than 64 MiB\n";
        return 3;
    }
    Tally tally(argc == 4);
    try {
        auto doc = nlohmann::json::parse(text.str());
        kinds.at(argv[1])(doc, tally);
    } catch (const std::exception& e) {
        std::cout << "FAIL " << argv[2] << ": " << e.what() << "\n";
        tally.check(false, "file");
    }
    std::cout << tally.passed() << " passed, " << tally.failed() << " failed";
    if (tally.skipped() > 0) std::cout << ", " << tally.skipped() << " skipped";
    std::cout << "\n";
    return tally.failed() == 0 && tally.passed() > 0 ? 0 : 1;
}
