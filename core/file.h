// File-system access for every layer above core: bounded reads and atomic, permission-aware
// writes. Errors name the path.
#pragma once

#include <cstddef>
#include <string>
#include <sys/types.h>

#include "core/bytes.h"
#include "core/secret.h"
#include "core/status.h"

namespace baton {

// Reads a whole file that must not exceed `max_size` bytes. Fails with io (missing, unreadable)
// or bad_input (larger than max_size, checked before the content is read).
Result<Bytes> read_file(const std::string& path, size_t max_size);
Result<SecretBytes> read_secret_file(const std::string& path, size_t max_size);

// Writes `data` to `path` atomically: a temporary file in the same directory with `mode`,
// fsync, rename, fsync of the directory. With exclusive=true, fails (conflict) if `path` exists.
Status write_file_atomic(const std::string& path, ByteView data, mode_t mode, bool exclusive = false);

// Permission bits of an existing file; fails (io) naming the path.
Result<mode_t> file_mode(const std::string& path);

bool path_exists(const std::string& path);

// Creates a directory with `mode`; fails (conflict) if it exists and is not empty.
Status make_private_dir(const std::string& path, mode_t mode);

}  // namespace baton
