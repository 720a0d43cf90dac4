#include "core/sealed_spool.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <unistd.h>

#include "core/bytes.h"
#include "core/crypto.h"
#include "core/secret.h"

namespace baton {

namespace {

constexpr size_t kWriteBuffer = 1u << 20;
constexpr size_t kTagBytes = 16;

// An entry's associated data: its index, big-endian.
Bytes ad_of(uint64_t index) {
    Bytes ad;
    put_u64_be(ad, index);
    return ad;
}

// An entry's nonce: four zero bytes, then its associated data.
crypto::Nonce12 nonce_of(const Bytes& ad) {
    crypto::Nonce12 n{};
    std::memcpy(n.data() + 4, ad.data(), 8);
    return n;
}

// A file in `dir` that has no name: O_TMPFILE where the file system has it, else a named file
// unlinked at once.
int open_nameless(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)) return fd;
    std::string path = dir + "/.baton-spool-XXXXXX";
    fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd >= 0) ::unlink(path.c_str());
    return fd;
}

}  // namespace

struct SealedSpool::Impl {
    std::string dir;
    int fd = -1;
    crypto::Key32 key = crypto::random_secret<32>();
    Bytes pending;  // sealed entries not yet written
    uint64_t appended = 0;
    uint64_t plain_bytes = 0;
    bool reading = false;
    uint64_t read_index = 0;
    std::optional<Error> dead;

    ~Impl() {
        if (fd >= 0) ::close(fd);
    }

    Error io(const std::string& doing, int err) {
        dead = io_error("spool in " + dir + ": " + doing + ": " + std::strerror(err));
        return *dead;
    }

    // The entry being read is wrong in the way `what` says.
    Error fault(const std::string& what) const {
        return input_error("spool in " + dir + ": entry " + std::to_string(read_index) + " " + what);
    }

    Status flush() {
        size_t done = 0;
        while (done < pending.size()) {
            const ssize_t n = ::write(fd, pending.data() + done, pending.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return io("cannot write", n < 0 ? errno : ENOSPC);
            done += static_cast<size_t>(n);
        }
        pending.clear();
        return ok_status();
    }

    // Reads exactly `size` bytes; false at a clean end of file before the first byte.
    Result<bool> read_exact(uint8_t* out, size_t size) {
        size_t done = 0;
        while (done < size) {
            const ssize_t n = ::read(fd, out + done, size - done);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return io("cannot read", errno);
            if (n == 0) {
                if (done == 0) return false;
                return fault("is cut short");
            }
            done += static_cast<size_t>(n);
        }
        return true;
    }
};

SealedSpool::SealedSpool(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SealedSpool::SealedSpool(SealedSpool&&) noexcept = default;
SealedSpool& SealedSpool::operator=(SealedSpool&&) noexcept = default;
SealedSpool::~SealedSpool() = default;

Result<SealedSpool> SealedSpool::create(const std::string& dir) {
    auto impl = std::make_unique<Impl>();
    impl->dir = dir;
    impl->fd = open_nameless(dir);
    if (impl->fd < 0) return io_error("cannot create a spool file in " + dir + ": " + std::strerror(errno));
    return SealedSpool(std::move(impl));
}

Status SealedSpool::append(ByteView data) {
    Impl& m = *impl_;
    if (m.dead) return *m.dead;
    if (m.reading) return internal_error("spool: append after read");
    if (data.size() > kMaxEntryBytes) return internal_error("spool: an entry of " + std::to_string(data.size()) + " bytes");
    const Bytes ad = ad_of(m.appended);
    const Bytes sealed = crypto::chacha20poly1305_encrypt(m.key, nonce_of(ad), ad, data);
    put_u32_be(m.pending, static_cast<uint32_t>(sealed.size()));
    m.pending.insert(m.pending.end(), sealed.begin(), sealed.end());
    ++m.appended;
    m.plain_bytes += data.size();
    return m.pending.size() >= kWriteBuffer ? m.flush() : ok_status();
}

Result<bool> SealedSpool::read(Bytes& out) {
    Impl& m = *impl_;
    wipe_bytes(out);
    out.clear();
    if (m.dead) return *m.dead;
    if (!m.reading) {
        BATON_TRY(m.flush());
        if (::lseek(m.fd, 0, SEEK_SET) != 0) return m.io("cannot rewind", errno);
        m.reading = true;
    }
    uint8_t head[4];
    BATON_ASSIGN(bool more, m.read_exact(head, sizeof head));
    if (!more) {
        if (m.read_index != m.appended)
            return m.fault(std::string("is missing: ") + std::to_string(m.appended) + " were written");
        return false;
    }
    if (m.read_index >= m.appended) return m.fault("was never written");
    const uint32_t len = get_u32_be(head);
    if (len < kTagBytes || len > kMaxEntryBytes + kTagBytes) return m.fault("claims " + std::to_string(len) + " bytes");
    Bytes sealed(len);
    BATON_ASSIGN(bool whole, m.read_exact(sealed.data(), len));
    if (!whole) return m.fault("is cut short");
    const Bytes ad = ad_of(m.read_index);
    auto plain = crypto::chacha20poly1305_decrypt(m.key, nonce_of(ad), ad, sealed);
    if (!plain) return m.fault("does not authenticate: the file was changed");
    out = std::move(*plain);
    ++m.read_index;
    return true;
}

uint64_t SealedSpool::entries() const { return impl_->appended; }
uint64_t SealedSpool::bytes() const { return impl_->plain_bytes; }

}  // namespace baton
