// The sealed spool (core/sealed_spool.h): what goes in comes back in order, the file has no name,
// holds no plaintext, and any change to it is refused naming the entry. The file is reached as
// another process of the same user could: through /proc/self/fd.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

#include "core/sealed_spool.h"

namespace baton {
namespace {

namespace fs = std::filesystem;

struct ScratchDir {
    std::string path;
    ScratchDir() {
        std::string tmpl = (fs::temp_directory_path() / "baton-spool-XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~ScratchDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    size_t names() const { return static_cast<size_t>(std::distance(fs::directory_iterator(path), fs::directory_iterator())); }
};

// An fd of this process open on a file in `dir` (the spool's), or -1.
int spool_fd(const std::string& dir) {
    for (const auto& e : fs::directory_iterator("/proc/self/fd")) {
        std::error_code ec;
        const std::string target = fs::read_symlink(e.path(), ec).string();
        if (!ec && target.rfind(dir + "/", 0) == 0) return std::stoi(e.path().filename().string());
    }
    return -1;
}

// The spool file's bytes, read through /proc so the spool's own offset is untouched.
std::string file_bytes(int fd) {
    const int own = ::open(("/proc/self/fd/" + std::to_string(fd)).c_str(), O_RDONLY);
    REQUIRE(own >= 0);
    std::string out;
    char buf[65536];
    for (ssize_t n; (n = ::read(own, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
    ::close(own);
    return out;
}

Bytes entry(size_t i) {
    Bytes b(i * 37 % 5000);
    for (size_t k = 0; k < b.size(); ++k) b[k] = static_cast<uint8_t>('a' + (i + k) % 26);
    return b;
}

constexpr size_t kEntries = 600;  // about 1.5 MB: more than one write buffer

SealedSpool filled(const std::string& dir) {
    auto spool = SealedSpool::create(dir);
    REQUIRE(spool);
    for (size_t i = 0; i < kEntries; ++i) REQUIRE(spool->append(entry(i)));
    return std::move(*spool);
}

TEST_CASE("a spool gives back every entry in order, then says it is done", "[core][spool]") {
    ScratchDir dir;
    SealedSpool spool = filled(dir.path);
    uint64_t bytes = 0;
    for (size_t i = 0; i < kEntries; ++i) bytes += entry(i).size();
    CHECK(spool.entries() == kEntries);
    CHECK(spool.bytes() == bytes);
    Bytes out;
    for (size_t i = 0; i < kEntries; ++i) {
        auto more = spool.read(out);
        REQUIRE(more);
        REQUIRE(*more);
        REQUIRE(out == entry(i));
    }
    auto end = spool.read(out);
    REQUIRE(end);
    CHECK_FALSE(*end);
    CHECK(out.empty());
    CHECK_FALSE(spool.append(entry(1)));  // appending ends with the first read
}

TEST_CASE("a spool's file has no name, holds no plaintext and goes with the spool", "[core][spool]") {
    ScratchDir dir;
    {
        SealedSpool spool = filled(dir.path);
        Bytes out;
        REQUIRE(spool.read(out));  // everything flushed
        CHECK(dir.names() == 0);
        const int fd = spool_fd(dir.path);
        REQUIRE(fd >= 0);
        const std::string file = file_bytes(fd);
        CHECK(file.size() > kEntries * 16);
        const Bytes sample = entry(100);
        CHECK(file.find(std::string(sample.begin(), sample.begin() + 64)) == std::string::npos);
    }
    CHECK(spool_fd(dir.path) == -1);
    CHECK(dir.names() == 0);
    CHECK_FALSE(SealedSpool::create(dir.path + "/missing"));
}

// Reads until the first failure; returns its message ("" when every entry came back).
std::string read_all(SealedSpool& spool, size_t& good) {
    Bytes out;
    good = 0;
    for (;;) {
        auto more = spool.read(out);
        if (!more) return more.error().message();
        if (!*more) return "";
        ++good;
    }
}

TEST_CASE("a changed, cut or extended spool file is refused at the entry concerned", "[core][spool]") {
    ScratchDir dir;
    SealedSpool spool = filled(dir.path);
    Bytes first;
    REQUIRE(spool.read(first));  // flushes; the offset is now past entry 0
    const int fd = spool_fd(dir.path);
    REQUIRE(fd >= 0);
    const std::string file = file_bytes(fd);
    const std::string proc = "/proc/self/fd/" + std::to_string(fd);
    size_t good = 0;

    SECTION("one bit flipped in the middle") {
        const int w = ::open(proc.c_str(), O_WRONLY);
        REQUIRE(w >= 0);
        const char flipped = static_cast<char>(file[file.size() / 2] ^ 0x01);
        REQUIRE(::pwrite(w, &flipped, 1, static_cast<off_t>(file.size() / 2)) == 1);
        ::close(w);
        const std::string error = read_all(spool, good);
        CHECK(error.find("does not authenticate") != std::string::npos);
        CHECK(good > 100);
        CHECK(good < kEntries);
    }
    SECTION("cut after a whole entry") {
        REQUIRE(::truncate(proc.c_str(), static_cast<off_t>(4 + 16 + entry(0).size())) == 0);
        const std::string error = read_all(spool, good);
        CHECK(error.find("entry 1 is missing") != std::string::npos);
        CHECK(good == 0);
    }
    SECTION("cut inside an entry") {
        REQUIRE(::truncate(proc.c_str(), static_cast<off_t>(file.size() - 3)) == 0);
        CHECK(read_all(spool, good).find("is cut short") != std::string::npos);
        CHECK(good == kEntries - 2);
    }
    SECTION("an entry added at the end") {
        const int w = ::open(proc.c_str(), O_WRONLY | O_APPEND);
        REQUIRE(w >= 0);
        const std::string again = file.substr(0, 4 + 16 + entry(0).size());
        REQUIRE(::write(w, again.data(), again.size()) == static_cast<ssize_t>(again.size()));
        ::close(w);
        CHECK(read_all(spool, good).find("was never written") != std::string::npos);
        CHECK(good == kEntries - 1);
    }
    SECTION("two entries swapped") {
        const size_t a = 4 + 16 + entry(0).size();
        const size_t b = a + 4 + 16 + entry(1).size();
        const size_t c = b + 4 + 16 + entry(2).size();
        // Entries 1 and 2 change places; entry 2's bytes come first.
        const std::string swapped = file.substr(b, c - b) + file.substr(a, b - a);
        const int w = ::open(proc.c_str(), O_WRONLY);
        REQUIRE(w >= 0);
        REQUIRE(::pwrite(w, swapped.data(), swapped.size(), static_cast<off_t>(a)) == static_cast<ssize_t>(swapped.size()));
        ::close(w);
        CHECK(read_all(spool, good).find("entry 1 does not authenticate") != std::string::npos);
        CHECK(good == 0);
    }
}

}  // namespace
}  // namespace baton
