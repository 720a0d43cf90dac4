#include "core/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace baton {

namespace {

Error errno_error(const std::string& what, const std::string& path) {
    return io_error(what + " " + path + ": " + std::strerror(errno));
}

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() { if (fd_ >= 0) ::close(fd_); }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    int release() { int f = fd_; fd_ = -1; return f; }
private:
    int fd_;
};

template <typename Buffer>
Status read_into(const std::string& path, size_t max_size, Buffer& out) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return errno_error("cannot open", path);
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) return errno_error("cannot stat", path);
    if (!S_ISREG(st.st_mode)) return input_error(path + " is not a regular file");
    if (static_cast<unsigned long long>(st.st_size) > max_size)
        return input_error(path + " is too large (" + std::to_string(st.st_size) + " bytes; at most " +
                           std::to_string(max_size) + ")");
    out = Buffer(static_cast<size_t>(st.st_size));
    size_t done = 0;
    while (done < out.size()) {
        ssize_t n = ::read(fd.get(), out.data() + done, out.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno_error("cannot read", path);
        if (n == 0) return io_error(path + " shrank while being read");
        done += static_cast<size_t>(n);
    }
    return ok_status();
}

Status write_all(int fd, ByteView data, const std::string& path) {
    size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno_error("cannot write", path);
        done += static_cast<size_t>(n);
    }
    return ok_status();
}

std::string dir_of(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

Result<Bytes> read_file(const std::string& path, size_t max_size) {
    Bytes out;
    BATON_TRY(read_into(path, max_size, out));
    return out;
}

Result<SecretBytes> read_secret_file(const std::string& path, size_t max_size) {
    SecretBytes out;
    BATON_TRY(read_into(path, max_size, out));
    return out;
}

Status write_file_atomic(const std::string& path, ByteView data, mode_t mode, bool exclusive) {
    if (exclusive && path_exists(path)) return conflict_error(path + " already exists");
    std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
    if (fd.get() < 0) return errno_error("cannot create", tmp);
    ::fchmod(fd.get(), mode);
    Status st = write_all(fd.get(), data, tmp);
    if (st && ::fsync(fd.get()) != 0) st = errno_error("cannot sync", tmp);
    if (st && ::close(fd.release()) != 0) st = errno_error("cannot close", tmp);
    if (st && exclusive) {
        // link() refuses an existing target, so a concurrent creator cannot be overwritten.
        if (::link(tmp.c_str(), path.c_str()) != 0) st = errno_error("cannot create", path);
        ::unlink(tmp.c_str());
    } else if (st && ::rename(tmp.c_str(), path.c_str()) != 0) {
        st = errno_error("cannot rename onto", path);
    }
    if (!st) {
        ::unlink(tmp.c_str());
        return st;
    }
    Fd dir(::open(dir_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() >= 0) ::fsync(dir.get());
    return ok_status();
}

Result<mode_t> file_mode(const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return errno_error("cannot stat", path);
    return static_cast<mode_t>(st.st_mode & 07777);
}

bool path_exists(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

Status make_private_dir(const std::string& path, mode_t mode) {
    if (::mkdir(path.c_str(), mode) == 0) return ok_status();
    if (errno != EEXIST) return errno_error("cannot create directory", path);
    DIR* d = ::opendir(path.c_str());
    if (!d) return errno_error("cannot open directory", path);
    bool empty = true;
    while (auto* e = ::readdir(d)) {
        if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) { empty = false; break; }
    }
    ::closedir(d);
    if (!empty) return conflict_error(path + " already exists and is not empty");
    ::chmod(path.c_str(), mode);
    return ok_status();
}

}  // namespace baton
