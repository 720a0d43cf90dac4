// baton-peak-rss OUT PROGRAM [ARG...]
//
// Runs PROGRAM (found on PATH unless it holds a '/'), waits for it, writes its peak resident set size in KiB (one decimal line) to
// the file OUT, and exits with PROGRAM's exit code (128 + the signal if a signal ended it; 127
// if it could not be started).
//
// Why a separate process: a test that starts a program with posix_spawn (or vfork) and reads
// wait4's ru_maxrss does not measure that program alone. Until exec the child runs in the
// caller's memory, and at exec Linux folds that memory's peak into the child's ru_maxrss; under
// AddressSanitizer the test process is about 260 MiB, which hides anything the program does
// below that. This helper is small, so what it folds into its own child is a few MiB.
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstring>

extern char** environ;

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: baton-peak-rss OUT PROGRAM [ARG...]\n");
        return 2;
    }
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, argv[2], nullptr, nullptr, argv + 2, environ);
    if (rc != 0) {
        std::fprintf(stderr, "baton-peak-rss: cannot start %s: %s\n", argv[2], std::strerror(rc));
        return 127;
    }
    int status = 0;
    struct rusage usage {};
    if (::wait4(pid, &status, 0, &usage) != pid) {
        std::perror("baton-peak-rss: wait4");
        return 127;
    }
    std::FILE* out = std::fopen(argv[1], "w");
    if (out == nullptr || std::fprintf(out, "%ld\n", usage.ru_maxrss) < 0 || std::fclose(out) != 0) {
        std::fprintf(stderr, "baton-peak-rss: cannot write %s\n", argv[1]);
        return 127;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
