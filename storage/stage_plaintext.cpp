#include "storage/stage_plaintext.h"

#include <cstdlib>
#include <cstring>
#include <new>

// ZSTD_customMem and the _advanced constructors are in zstd's "experimental" section; libzstd.so exports them.
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "core/merkle.h"
#include "storage/stage_batch_wire.h"

namespace baton::storage {

using namespace wire;

namespace {

constexpr std::string_view kDigestContext("baton-stage-plaintext-v1\0", 25);
constexpr std::string_view kChunkContext("baton-chunk-v1\0", 15);
constexpr std::string_view kContentKeyContext("baton-content-key-v1\0", 21);

// zstd's contexts hold pieces of record text (literals, windows): every block they allocate
// carries its size in front, and is wiped when zstd frees it.
constexpr size_t kBlockHeader = 16;  // keeps malloc's 16-byte alignment

void* wiping_alloc(void*, size_t size) {
    auto* p = static_cast<unsigned char*>(std::malloc(size + kBlockHeader));
    if (!p) return nullptr;
    std::memcpy(p, &size, sizeof size);
    return p + kBlockHeader;
}

void wiping_free(void*, void* address) {
    if (!address) return;
    auto* p = static_cast<unsigned char*>(address) - kBlockHeader;
    size_t size;
    std::memcpy(&size, p, sizeof size);
    sodium_memzero(address, size);
    std::free(p);
}

constexpr ZSTD_customMem kWipingMemory{wiping_alloc, wiping_free, nullptr};

struct CctxFree {
    void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DctxFree {
    void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

}  // namespace

crypto::Nonce12 chunk_nonce(uint32_t index) {
    crypto::Nonce12 n{};
    Bytes be;
    put_u64_be(be, index);
    std::memcpy(n.data() + 4, be.data(), 8);
    return n;
}

Bytes chunk_associated_data(std::string_view deal, uint32_t stage_number, uint32_t index, uint32_t count) {
    Bytes ad = to_bytes(kChunkContext);
    put_u32_be(ad, static_cast<uint32_t>(deal.size()));
    append(ad, as_bytes(deal));
    put_u32_be(ad, stage_number);
    put_u32_be(ad, index);
    put_u32_be(ad, count);
    return ad;
}

crypto::Digest32 chunk_leaf_hash(ByteView ciphertext) {
    const Bytes h = merkle::leaf_hash(merkle::blake2b_256_hasher(), ciphertext);
    crypto::Digest32 d;
    std::memcpy(d.data(), h.data(), d.size());
    return d;
}

Bytes content_key_associated_data(std::string_view deal, uint32_t stage_number) {
    Bytes ad = to_bytes(kContentKeyContext);
    append(ad, as_bytes(deal));
    ad.push_back(0);
    put_u32_be(ad, stage_number);
    return ad;
}

std::optional<uint32_t> chunk_count_for(uint64_t plaintext_bytes, uint32_t chunk_size) {
    const uint64_t n = plaintext_bytes == 0 ? 1 : (plaintext_bytes + chunk_size - 1) / chunk_size;
    if (n > UINT32_MAX) return std::nullopt;
    return static_cast<uint32_t>(n);
}

// ---- PlaintextDigest ---------------------------------------------------------------------------

PlaintextDigest::PlaintextDigest() : h_(32) { h_.update(as_bytes(kDigestContext)); }

crypto::Digest32 PlaintextDigest::finish() {
    const Bytes out = h_.finish();
    crypto::Digest32 d;
    std::memcpy(d.data(), out.data(), d.size());
    return d;
}

// ---- StageBatchEncoder -------------------------------------------------------------------------

// The batch is written in its canonical wire format (stage_batch_wire.h) directly, without
// building messages.
namespace {
// The encoded size of one Value message: empty for a null (or empty) value.
size_t value_size(const FieldValue& v) { return v && !v->empty() ? 1 + varint_size(v->size()) + v->size() : 0; }

// Makes room for `extra` more bytes after b.size(); a buffer that must grow is copied into a new
// one and the old one wiped, so no record bytes are left behind in freed memory.
void reserve_wiped(Bytes& b, size_t extra) {
    if (b.size() + extra <= b.capacity()) return;
    Bytes bigger;
    bigger.reserve(std::max(2 * b.capacity(), b.size() + extra));
    bigger.assign(b.begin(), b.end());
    wipe_bytes(b);
    b.swap(bigger);
}
}  // namespace

struct StageBatchEncoder::Impl {
    uint32_t set = 0;
    uint32_t records = 0;
    size_t value_bytes = 0;  // the values' bytes plus a few per value: close to the encoded size
    Bytes records_wire;      // the batch's `records` fields
    Bytes serialized;        // the RecordBatch before compression
    std::unique_ptr<ZSTD_CCtx, CctxFree> zstd;
    ~Impl() {
        wipe_bytes(records_wire);
        wipe_bytes(serialized);
    }
};

StageBatchEncoder::StageBatchEncoder() : impl_(std::make_unique<Impl>()) {
    impl_->zstd.reset(ZSTD_createCCtx_advanced(kWipingMemory));
    if (!impl_->zstd) throw std::bad_alloc();
    // Explicit, so that every batch has the same frame header: the content size (the reader's
    // bound), no checksum (the chunk's AEAD tag authenticates).
    ZSTD_CCtx* c = impl_->zstd.get();
    if (ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, kStageBatchZstdLevel)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 1)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 0)))
        std::abort();  // our bug: these parameters are valid in every zstd release
    impl_->records_wire.reserve(kStageBatchBytes + (kStageBatchBytes >> 2));
}
StageBatchEncoder::~StageBatchEncoder() = default;
StageBatchEncoder::StageBatchEncoder(StageBatchEncoder&&) noexcept = default;

void StageBatchEncoder::start(uint32_t set) { impl_->set = set; }

void StageBatchEncoder::add(std::span<const FieldValue> row) {
    Impl& m = *impl_;
    size_t record = 0;
    for (const FieldValue& v : row) {
        const size_t value = value_size(v);
        record += 1 + varint_size(value) + value;
        m.value_bytes += (v ? v->size() : 0) + 3;
    }
    reserve_wiped(m.records_wire, 1 + varint_size(record) + record);
    const size_t at = m.records_wire.size();
    m.records_wire.resize(at + 1 + varint_size(record) + record);
    uint8_t* p = m.records_wire.data() + at;
    *p++ = kRecordsTag;
    p = put_varint(p, record);
    for (const FieldValue& v : row) {
        const size_t value = value_size(v);
        *p++ = kValuesTag;
        p = put_varint(p, value);
        if (value == 0) continue;
        *p++ = kTextTag;
        p = put_varint(p, v->size());
        std::memcpy(p, v->data(), v->size());
        p += v->size();
    }
    ++m.records;
}

uint32_t StageBatchEncoder::records() const { return impl_->records; }

bool StageBatchEncoder::full() const {
    return records() >= kStageBatchRecords || impl_->value_bytes >= kStageBatchBytes;
}

void StageBatchEncoder::finish(Bytes& out) {
    Impl& m = *impl_;
    const size_t head = m.set ? 1 + varint_size(m.set) : 0;
    const size_t size = head + m.records_wire.size();
    resize_wiped(m.serialized, size);
    if (m.set) {
        m.serialized[0] = kSetTag;
        put_varint(m.serialized.data() + 1, m.set);
    }
    std::memcpy(m.serialized.data() + head, m.records_wire.data(), m.records_wire.size());
    wipe_bytes(m.records_wire);
    m.records_wire.clear();
    m.records = 0;
    m.value_bytes = 0;

    resize_wiped(out, 4 + ZSTD_compressBound(size));
    const size_t packed = ZSTD_compress2(m.zstd.get(), out.data() + 4, out.size() - 4, m.serialized.data(), size);
    if (ZSTD_isError(packed) || packed > kMaxStageBatchBytes) std::abort();  // our bug: the bound holds it
    wipe_bytes(m.serialized);
    out.resize(4 + packed);
    for (int i = 0; i < 4; ++i) out[i] = static_cast<uint8_t>(packed >> (24 - 8 * i));  // u32 big-endian
}

// ---- BatchInflater -----------------------------------------------------------------------------

struct BatchInflater::Impl {
    std::unique_ptr<ZSTD_DCtx, DctxFree> zstd;
};

BatchInflater::BatchInflater() : impl_(std::make_unique<Impl>()) {
    impl_->zstd.reset(ZSTD_createDCtx_advanced(kWipingMemory));
    if (!impl_->zstd) throw std::bad_alloc();
}
BatchInflater::~BatchInflater() = default;
BatchInflater::BatchInflater(BatchInflater&&) noexcept = default;

std::optional<StageFault> BatchInflater::inflate(ByteView frame, Bytes& out) {
    // One frame, and nothing after it: zstd would otherwise decompress concatenated frames too.
    const size_t frame_size = ZSTD_findFrameCompressedSize(frame.data(), frame.size());
    if (ZSTD_isError(frame_size) || frame_size != frame.size())
        return malformed("a batch that is not exactly one zstd frame");
    // Skippable frames declare 0; a frame without a size would need a guess.
    const unsigned long long declared = ZSTD_getFrameContentSize(frame.data(), frame.size());
    if (declared == ZSTD_CONTENTSIZE_UNKNOWN || declared == ZSTD_CONTENTSIZE_ERROR || declared == 0 ||
        declared > kMaxStageBatchBytes)
        return malformed("a batch whose zstd frame does not declare a size of 1.." +
                         std::to_string(kMaxStageBatchBytes) + " bytes");
    resize_wiped(out, static_cast<size_t>(declared));
    const size_t got = ZSTD_decompressDCtx(impl_->zstd.get(), out.data(), out.size(), frame.data(), frame.size());
    if (ZSTD_isError(got) || got != declared) {
        wipe_bytes(out);
        return malformed("a batch whose zstd frame does not decompress to its declared size");
    }
    return std::nullopt;
}

}  // namespace baton::storage
