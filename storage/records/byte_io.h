// Byte sources and sinks for record import and export: the only OS access in storage/records,
// kept behind two small interfaces so readers and writers can be tested on memory, on generated
// streams (a 200 MB line that is never allocated) and with injected faults.
#pragma once

#include <cstddef>
#include <istream>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/status.h"

namespace baton::records {

class ByteSource {
public:
    virtual ~ByteSource() = default;
    // Reads up to out.size() bytes into `out` and returns how many. Returns 0 only at the end of
    // the input (REQUIRES: !out.empty()). Fails (io) on a read error; the source is then dead.
    virtual Result<size_t> read(std::span<char> out) = 0;
};

// Reads a file through a POSIX descriptor, which it owns.
class FileSource final : public ByteSource {
public:
    // Fails (io) naming `path` when it cannot be opened or is a directory.
    static Result<std::unique_ptr<FileSource>> open(const std::string& path);
    ~FileSource() override;
    FileSource(const FileSource&) = delete;
    FileSource& operator=(const FileSource&) = delete;
    Result<size_t> read(std::span<char> out) override;

private:
    FileSource(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    int fd_;
    std::string path_;
};

// Reads a caller-owned buffer. REQUIRES: `data` outlives the source.
class MemorySource final : public ByteSource {
public:
    explicit MemorySource(std::string_view data) : data_(data) {}
    Result<size_t> read(std::span<char> out) override;

private:
    std::string_view data_;
};

// Reads a caller-owned std::istream; a stream in a bad state (not eof) is an io error.
class StreamSource final : public ByteSource {
public:
    explicit StreamSource(std::istream& in) : in_(in) {}
    Result<size_t> read(std::span<char> out) override;

private:
    std::istream& in_;
};

class ByteSink {
public:
    virtual ~ByteSink() = default;
    // Writes all of `data`. Fails (io) on a write error; the sink is then dead.
    virtual Status write(std::string_view data) = 0;
};

// Appends to a caller-owned string (tests, small exports).
class StringSink final : public ByteSink {
public:
    explicit StringSink(std::string& out) : out_(out) {}
    Status write(std::string_view data) override { out_.append(data); return ok_status(); }

private:
    std::string& out_;
};

// Writes a new file, mode 0600 (exports hold personal data). The file is created or truncated.
// close() flushes it to disk (fsync) and must be called; a FileSink destroyed without close()
// leaves whatever was written, unsynced.
class FileSink final : public ByteSink {
public:
    // Fails (io) naming `path` when it cannot be created.
    static Result<std::unique_ptr<FileSink>> create(const std::string& path);
    ~FileSink() override;
    FileSink(const FileSink&) = delete;
    FileSink& operator=(const FileSink&) = delete;
    Status write(std::string_view data) override;
    // Fails (io) when fsync or close fails (e.g. the disk filled up).
    Status close();

private:
    FileSink(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    int fd_;
    std::string path_;
};

}  // namespace baton::records
