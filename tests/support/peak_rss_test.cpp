// baton-peak-rss (tests/support/peak_rss.cpp): it reports the peak RSS of the program it runs,
// not of the process that started it, and passes the program's exit status through.
#include <catch2/catch.hpp>

#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

struct Result {
    int code = -1;
    long peak_kib = -1;
};

// Runs `baton-peak-rss OUT argv...` and reads OUT.
Result run_helper(std::vector<std::string> args) {
    const std::string out = (std::filesystem::temp_directory_path() / ("peak-rss-" + std::to_string(::getpid()))).string();
    args.insert(args.begin(), {PEAK_RSS_BIN, out});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    REQUIRE(posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) == 0);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    Result r;
    r.code = WEXITSTATUS(status);
    std::ifstream in(out);
    in >> r.peak_kib;
    std::filesystem::remove(out);
    return r;
}

// ru_maxrss of `true` started straight from this process with posix_spawn.
long direct_spawn_peak_kib() {
    char prog[] = "/bin/true";
    char* argv[] = {prog, nullptr};
    pid_t pid = 0;
    REQUIRE(posix_spawn(&pid, prog, nullptr, nullptr, argv, environ) == 0);
    int status = 0;
    struct rusage usage {};
    REQUIRE(::wait4(pid, &status, 0, &usage) == pid);
    return usage.ru_maxrss;
}

constexpr long kMiB = 1024;  // in KiB

}  // namespace

TEST_CASE("baton-peak-rss reports the program's peak, not its caller's", "[support][rss]") {
    // This process holds 300 MiB, touched, while it starts the programs.
    std::vector<char> ballast(300u << 20);
    std::memset(ballast.data(), 1, ballast.size());

    const Result small = run_helper({"true"});
    CHECK(small.code == 0);
    CHECK(small.peak_kib > 0);
    CHECK(small.peak_kib < 64 * kMiB);

    // dd touches its whole 96 MiB block while it copies it.
    const Result big = run_helper({"dd", "if=/dev/zero", "of=/dev/null", "bs=96M", "count=1", "status=none"});
    CHECK(big.code == 0);
    CHECK(big.peak_kib > 96 * kMiB);
    CHECK(big.peak_kib < 200 * kMiB);

    // Why the helper exists: started straight from here, even `true` reports this process's peak.
    CHECK(direct_spawn_peak_kib() > 300 * kMiB);
    CHECK(ballast[12345] == 1);
}

TEST_CASE("baton-peak-rss passes the exit status through", "[support][rss]") {
    CHECK(run_helper({"sh", "-c", "exit 3"}).code == 3);
    CHECK(run_helper({"sh", "-c", "kill -9 $$"}).code == 128 + 9);
    CHECK(run_helper({"/nonexistent/program"}).code == 127);
}
