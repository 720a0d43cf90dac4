#include "storage/records/byte_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace baton::records {

namespace {
Error os_error(const std::string& what, const std::string& path) {
    return io_error(what + " " + path + ": " + std::strerror(errno));
}
}  // namespace

Result<std::unique_ptr<FileSource>> FileSource::open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return os_error("cannot open", path);
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        ::close(fd);
        return io_error("cannot read " + path + ": it is a directory");
    }
    return std::unique_ptr<FileSource>(new FileSource(fd, path));
}

FileSource::~FileSource() {
    if (fd_ >= 0) ::close(fd_);
}

Result<size_t> FileSource::read(std::span<char> out) {
    for (;;) {
        ssize_t n = ::read(fd_, out.data(), out.size());
        if (n >= 0) return static_cast<size_t>(n);
        if (errno != EINTR) return os_error("cannot read", path_);
    }
}

Result<size_t> MemorySource::read(std::span<char> out) {
    size_t n = std::min(out.size(), data_.size());
    std::memcpy(out.data(), data_.data(), n);
    data_.remove_prefix(n);
    return n;
}

Result<size_t> StreamSource::read(std::span<char> out) {
    in_.read(out.data(), static_cast<std::streamsize>(out.size()));
    auto n = static_cast<size_t>(in_.gcount());
    if (in_.bad()) return io_error("cannot read input stream");
    if (n == 0 && !in_.eof()) return io_error("cannot read input stream");
    return n;
}

Result<std::unique_ptr<FileSink>> FileSink::create(const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return os_error("cannot create", path);
    return std::unique_ptr<FileSink>(new FileSink(fd, path));
}

FileSink::~FileSink() {
    if (fd_ >= 0) ::close(fd_);
}

Status FileSink::write(std::string_view data) {
    if (fd_ < 0) return io_error("write to closed file " + path_);
    while (!data.empty()) {
        ssize_t n = ::write(fd_, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return os_error("cannot write", path_);
        }
        data.remove_prefix(static_cast<size_t>(n));
    }
    return ok_status();
}

Status FileSink::close() {
    if (fd_ < 0) return ok_status();
    int fd = fd_;
    fd_ = -1;
    if (::fsync(fd) != 0) {
        Error e = os_error("cannot sync", path_);
        ::close(fd);
        return e;
    }
    if (::close(fd) != 0) return os_error("cannot close", path_);
    return ok_status();
}

}  // namespace baton::records
