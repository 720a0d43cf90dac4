// baton-fault-io: an LD_PRELOAD shim that makes a process's writes to chosen files fail, as a
// dying or full disk would: the "equivalent of a test VFS" of issue 7. SQLite's own unix VFS sees
// the failure exactly as it would come from the kernel; nothing in the product changes.
//
//   LD_PRELOAD=.../libbaton-fault-io.so BATON_FAULT_IO_PATH=home-buyer/baton.db
//   BATON_FAULT_IO_AFTER_BYTES=20000000 BATON_FAULT_IO_ERRNO=EIO baton --home ... serve ...
//   (one environment, one command line)
//
// BATON_FAULT_IO_PATH        a substring of the path of the files to hit (a database's name
//                            matches its -wal and -shm files too); unset or empty: no effect.
// BATON_FAULT_IO_AFTER_BYTES the bytes written to matching files that succeed (default 0). The
//                            write that would pass this budget fails, and so does every later
//                            write, pwrite, pwrite64, fsync and fdatasync on a matching file.
// BATON_FAULT_IO_ERRNO       EIO (default) or ENOSPC: the errno of the failures.
//
// A descriptor's path is read once from /proc/self/fd/N and cached until close(N), or until
// open/openat return N again. glibc's internal opens and closes (fopen, fclose) and dup2 are not
// seen; SQLite opens and closes its files through open and close, so its descriptors are always
// looked up afresh. The first failure and a summary at exit go to stderr as lines starting
// "baton-fault-io:". Thread-safe: the state is atomics, the configuration is read before main.
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

using write_fn = ssize_t (*)(int, const void*, size_t);
using pwrite_fn = ssize_t (*)(int, const void*, size_t, off_t);
using pwrite64_fn = ssize_t (*)(int, const void*, size_t, off64_t);
using fd_fn = int (*)(int);
using open_fn = int (*)(const char*, int, ...);
using openat_fn = int (*)(int, const char*, int, ...);

constexpr int kMaxFd = 65536;

write_fn real_write;
pwrite_fn real_pwrite;
pwrite64_fn real_pwrite64;
fd_fn real_fsync, real_fdatasync, real_close;
open_fn real_open, real_open64;
openat_fn real_openat, real_openat64;

char g_path[512];                          // BATON_FAULT_IO_PATH; empty: inactive
uint64_t g_after = 0;                      // BATON_FAULT_IO_AFTER_BYTES
int g_errno = EIO;                         // BATON_FAULT_IO_ERRNO
std::atomic<uint64_t> g_written{0};        // bytes passed through to matching files
std::atomic<uint64_t> g_failed{0};         // calls made to fail
std::atomic<bool> g_tripped{false};        // the budget is spent: every matching call fails
std::atomic<signed char> g_match[kMaxFd];  // 0 not looked up, 1 matches, 2 does not

template <typename F>
F next(const char* name) {
    return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

void resolve() {
    if (real_write) return;
    real_pwrite = next<pwrite_fn>("pwrite");
    real_pwrite64 = next<pwrite64_fn>("pwrite64");
    real_fsync = next<fd_fn>("fsync");
    real_fdatasync = next<fd_fn>("fdatasync");
    real_close = next<fd_fn>("close");
    real_open = next<open_fn>("open");
    real_open64 = next<open_fn>("open64");
    real_openat = next<openat_fn>("openat");
    real_openat64 = next<openat_fn>("openat64");
    real_write = next<write_fn>("write");
}

const char* errno_name() { return g_errno == ENOSPC ? "ENOSPC" : "EIO"; }

void say(const char* text) {
    if (real_write) (void)!real_write(2, text, std::strlen(text));
}

__attribute__((constructor)) void fault_io_init() {
    resolve();
    const char* p = std::getenv("BATON_FAULT_IO_PATH");
    if (p && std::strlen(p) < sizeof g_path) std::strcpy(g_path, p);
    const char* a = std::getenv("BATON_FAULT_IO_AFTER_BYTES");
    if (a && *a) g_after = std::strtoull(a, nullptr, 10);
    const char* e = std::getenv("BATON_FAULT_IO_ERRNO");
    if (e && std::strcmp(e, "ENOSPC") == 0) g_errno = ENOSPC;
}

__attribute__((destructor)) void fault_io_report() {
    if (!g_path[0]) return;
    char line[768];
    std::snprintf(line, sizeof line, "baton-fault-io: %llu bytes written to files matching \"%s\", %llu call(s) failed with %s\n",
                  static_cast<unsigned long long>(g_written.load()), g_path,
                  static_cast<unsigned long long>(g_failed.load()), errno_name());
    say(line);
}

// The path fd is open on ("" if unknown).
void path_of(int fd, char* out, size_t size) {
    char link[64];
    std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    const ssize_t n = readlink(link, out, size - 1);
    out[n > 0 ? n : 0] = '\0';
}

// Whether fd is open on a file whose path contains BATON_FAULT_IO_PATH.
bool matches(int fd) {
    if (!g_path[0] || fd < 0 || fd >= kMaxFd) return false;
    signed char m = g_match[fd].load();
    if (m == 0) {
        char target[4096];
        path_of(fd, target, sizeof target);
        m = std::strstr(target, g_path) ? 1 : 2;
        g_match[fd].store(m);
    }
    return m == 1;
}

// Whether a call on fd writing n bytes (a sync: none) must fail; if so sets errno. Counts the
// bytes that pass.
bool must_fail(int fd, size_t n, bool sync) {
    if (!matches(fd)) return false;
    if (!g_tripped.load()) {
        if (sync) return false;
        const uint64_t before = g_written.fetch_add(n);
        if (before + n <= g_after) return false;
        g_written.fetch_sub(n);
        if (!g_tripped.exchange(true)) {
            char target[4096], line[4300];
            path_of(fd, target, sizeof target);
            std::snprintf(line, sizeof line, "baton-fault-io: a write of %zu bytes to %s fails with %s after %llu bytes\n", n,
                          target, errno_name(), static_cast<unsigned long long>(before));
            say(line);
        }
    }
    g_failed.fetch_add(1);
    errno = g_errno;
    return true;
}

// A descriptor open returns is a new file: forget what was cached for its number.
int forget(int fd) {
    if (fd >= 0 && fd < kMaxFd) g_match[fd].store(0);
    return fd;
}

}  // namespace

// The mode argument is there only with O_CREAT or O_TMPFILE.
#define BATON_FAULT_IO_MODE(flags, mode)           \
    do {                                           \
        if ((flags) & (O_CREAT | O_TMPFILE)) {     \
            va_list ap;                            \
            va_start(ap, flags);                   \
            mode = va_arg(ap, int);                \
            va_end(ap);                            \
        }                                          \
    } while (0)

extern "C" {

ssize_t write(int fd, const void* buf, size_t n) {
    resolve();
    if (must_fail(fd, n, false)) return -1;
    return real_write(fd, buf, n);
}

ssize_t pwrite(int fd, const void* buf, size_t n, off_t off) {
    resolve();
    if (must_fail(fd, n, false)) return -1;
    return real_pwrite(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void* buf, size_t n, off64_t off) {
    resolve();
    if (must_fail(fd, n, false)) return -1;
    return real_pwrite64(fd, buf, n, off);
}

int fsync(int fd) {
    resolve();
    if (must_fail(fd, 0, true)) return -1;
    return real_fsync(fd);
}

int fdatasync(int fd) {
    resolve();
    if (must_fail(fd, 0, true)) return -1;
    return real_fdatasync(fd);
}

int open(const char* path, int flags, ...) {
    int mode = 0;
    BATON_FAULT_IO_MODE(flags, mode);
    resolve();
    return forget(real_open(path, flags, mode));
}

int open64(const char* path, int flags, ...) {
    int mode = 0;
    BATON_FAULT_IO_MODE(flags, mode);
    resolve();
    return forget(real_open64(path, flags, mode));
}

int openat(int dir, const char* path, int flags, ...) {
    int mode = 0;
    BATON_FAULT_IO_MODE(flags, mode);
    resolve();
    return forget(real_openat(dir, path, flags, mode));
}

int openat64(int dir, const char* path, int flags, ...) {
    int mode = 0;
    BATON_FAULT_IO_MODE(flags, mode);
    resolve();
    return forget(real_openat64(dir, path, flags, mode));
}

int close(int fd) {
    resolve();
    (void)forget(fd);
    return real_close(fd);
}

}  // extern "C"
