// A scratch file for data that must not be stored in plaintext: byte strings are appended in
// order, then read back once, in the same order.
//
// Contract:
//  - the file has no name (O_TMPFILE, or unlinked right after creation): it disappears when the
//    spool is destroyed or the process ends, however it ends, and no other process finds it;
//  - every entry is sealed with ChaCha20-Poly1305 under a random key that exists only in this
//    object's memory (wiped on destruction), with the entry's index as nonce and associated data.
//    A reader gets back exactly what was appended, in order, or an error (bad_input) naming the
//    entry: a changed, reordered, truncated or extended file cannot go unnoticed;
//  - append() fails (io) naming the directory when the disk is full; nothing is kept in memory
//    beyond one entry.
// Not thread-safe. Entries are at most kMaxEntryBytes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/bytes.h"
#include "core/status.h"

namespace baton {

class SealedSpool {
public:
    static constexpr size_t kMaxEntryBytes = 64u << 20;

    // Creates an empty spool in directory `dir` (mode 0600). Fails (io) naming `dir`.
    static Result<SealedSpool> create(const std::string& dir);

    SealedSpool(SealedSpool&&) noexcept;
    SealedSpool& operator=(SealedSpool&&) noexcept;
    ~SealedSpool();

    // Appends one entry. REQUIRES: read() not called yet; data.size() <= kMaxEntryBytes.
    Status append(ByteView data);

    // The next entry, in append order, into `out` (its old content wiped first); false after the
    // last one. The first call ends appending.
    Result<bool> read(Bytes& out);

    uint64_t entries() const;
    // Plaintext bytes appended so far.
    uint64_t bytes() const;

private:
    struct Impl;
    explicit SealedSpool(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace baton
