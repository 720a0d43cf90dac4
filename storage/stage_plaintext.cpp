#include "storage/stage_plaintext.h"

#include <cstdlib>
#include <cstring>
#include <new>

// ZSTD_customMem and the _advanced constructors are in zstd's "experimental" section; libzstd.so exports them.
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "core/merkle.h"
#include "storage/records/utf8.h"
#include "storage/stage_batch.pb.h"

#include <google/protobuf/unknown_field_set.h>

namespace baton::storage {

namespace {

constexpr std::string_view kDigestContext("baton-stage-plaintext-v1\0", 25);
constexpr std::string_view kChunkContext("baton-chunk-v1\0", 15);
constexpr std::string_view kContentKeyContext("baton-content-key-v1\0", 21);

// Overwrites every value the batch holds, so that clearing or freeing it leaves no plaintext.
void wipe_values(pb::RecordBatch& batch) {
    for (pb::Record& r : *batch.mutable_records())
        for (pb::Value& v : *r.mutable_values())
            if (v.has_text() && !v.text().empty()) sodium_memzero(v.mutable_text()->data(), v.text().size());
}

// Resizes `b` to n bytes; a buffer that must grow is wiped first instead of being copied.
void resize_wiped(Bytes& b, size_t n) {
    if (n > b.capacity()) {
        wipe_bytes(b);
        Bytes bigger(n);
        b.swap(bigger);
    }
    b.resize(n);
}

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

// This runs for every value of a stage: the type's reflection is looked up once, not per message
// (GetReflection() on an instance goes through the descriptor table every time).
template <typename M>
bool has_unknown_fields(const M& m) {
    static const google::protobuf::Reflection* const reflection = M::default_instance().GetReflection();
    return !reflection->GetUnknownFields(m).empty();
}

StageFault malformed(std::string detail) { return {std::string(fault::batch_malformed), std::move(detail)}; }

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

// The batch is written in protobuf's wire format directly, without building messages: the same
// bytes pb::RecordBatch::SerializeToArray gives (handover_plaintext_test.cpp compares them), at
// a fraction of the cost. RecordBatch: `set` (field 1, varint, absent when 0), then one
// length-delimited `records` (field 2) per record; Record: one length-delimited `values` (field 1)
// per field; Value: `text` (field 1, length-delimited) when present.
namespace {
constexpr uint8_t kSetTag = 0x08, kRecordsTag = 0x12, kValuesTag = 0x0a, kTextTag = 0x0a;

size_t varint_size(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        ++n;
    }
    return n;
}

uint8_t* put_varint(uint8_t* out, uint64_t v) {
    while (v >= 0x80) {
        *out++ = static_cast<uint8_t>(v | 0x80);
        v >>= 7;
    }
    *out++ = static_cast<uint8_t>(v);
    return out;
}

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

// ---- StageBatch --------------------------------------------------------------------------------

struct StageBatch::Impl {
    pb::RecordBatch batch;
    ~Impl() { wipe_values(batch); }
};

StageBatch::StageBatch() : impl_(std::make_unique<Impl>()) {}
StageBatch::~StageBatch() = default;
StageBatch::StageBatch(StageBatch&&) noexcept = default;

namespace {

std::optional<StageFault> check_record(const pb::Record& r, int number) {
    // Built only for a fault: this runs for every record the buyer checks or exports.
    auto fault = [number](std::string_view what) {
        return malformed("record " + std::to_string(number + 1) + " of the batch " + std::string(what));
    };
    if (has_unknown_fields(r)) return fault("has unknown fields");
    for (const pb::Value& v : r.values()) {
        if (has_unknown_fields(v)) return fault("has a value with unknown fields");
        if (!v.has_text()) continue;
        if (v.text().empty()) return fault("has an empty value (empty is null, sent absent)");
        if (!records::utf8::is_valid(v.text())) return fault("has a value that is not UTF-8");
    }
    return std::nullopt;
}

}  // namespace

std::optional<StageFault> StageBatch::parse(ByteView bytes) {
    pb::RecordBatch& b = impl_->batch;
    wipe_values(b);
    b.Clear();
    if (bytes.size() > kMaxStageBatchBytes) return malformed("a batch larger than 16 MiB");
    if (!b.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return malformed("not a RecordBatch");
    if (has_unknown_fields(b)) return malformed("a batch with unknown fields");
    if (b.records_size() < 1 || static_cast<size_t>(b.records_size()) > kStageBatchRecords)
        return malformed("a batch of " + std::to_string(b.records_size()) + " records (1.." +
                         std::to_string(kStageBatchRecords) + ")");
    for (int i = 0; i < b.records_size(); ++i)
        if (auto f = check_record(b.records(i), i)) return f;
    return std::nullopt;
}

uint32_t StageBatch::set() const { return impl_->batch.set(); }
uint32_t StageBatch::records() const { return static_cast<uint32_t>(impl_->batch.records_size()); }

bool StageBatch::fields_are(size_t fields) const {
    for (const pb::Record& r : impl_->batch.records())
        if (static_cast<size_t>(r.values_size()) != fields) return false;
    return true;
}

void StageBatch::record(uint32_t i, std::vector<FieldValue>& row) const {
    const pb::Record& r = impl_->batch.records(static_cast<int>(i));
    row.resize(static_cast<size_t>(r.values_size()));
    for (int f = 0; f < r.values_size(); ++f) {
        const pb::Value& v = r.values(f);
        row[static_cast<size_t>(f)] = v.has_text() ? FieldValue(std::string_view(v.text())) : std::nullopt;
    }
}

}  // namespace baton::storage
