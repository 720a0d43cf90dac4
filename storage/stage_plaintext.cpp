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

struct StageBatchEncoder::Impl {
    pb::RecordBatch batch;
    size_t value_bytes = 0;  // the values' bytes plus a few per value: close to the encoded size
    Bytes serialized;        // the RecordBatch before compression
    std::unique_ptr<ZSTD_CCtx, CctxFree> zstd;
    ~Impl() {
        wipe_values(batch);
        wipe_bytes(serialized);
    }
};

StageBatchEncoder::StageBatchEncoder() : impl_(std::make_unique<Impl>()) {
    impl_->zstd.reset(ZSTD_createCCtx_advanced(kWipingMemory));
    if (!impl_->zstd) throw std::bad_alloc();
    // Explicit, so that both preparation passes and every release write the same frame header:
    // the content size (the reader's bound), no checksum (the chunk's AEAD tag authenticates).
    ZSTD_CCtx* c = impl_->zstd.get();
    if (ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, kStageBatchZstdLevel)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 1)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 0)))
        std::abort();  // our bug: these parameters are valid in every zstd release
}
StageBatchEncoder::~StageBatchEncoder() = default;
StageBatchEncoder::StageBatchEncoder(StageBatchEncoder&&) noexcept = default;

void StageBatchEncoder::start(uint32_t set) { impl_->batch.set_set(set); }

void StageBatchEncoder::add(std::span<const FieldValue> row) {
    pb::Record* r = impl_->batch.add_records();
    for (const FieldValue& v : row) {
        pb::Value* out = r->add_values();
        if (v && !v->empty()) out->set_text(v->data(), v->size());
        impl_->value_bytes += (v ? v->size() : 0) + 3;
    }
}

uint32_t StageBatchEncoder::records() const { return static_cast<uint32_t>(impl_->batch.records_size()); }

bool StageBatchEncoder::full() const {
    return records() >= kStageBatchRecords || impl_->value_bytes >= kStageBatchBytes;
}

void StageBatchEncoder::finish(Bytes& out) {
    Impl& m = *impl_;
    const size_t size = m.batch.ByteSizeLong();
    resize_wiped(m.serialized, size);
    if (!m.batch.SerializeToArray(m.serialized.data(), static_cast<int>(size))) std::abort();  // our bug
    wipe_values(m.batch);
    m.batch.Clear();
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
    const std::string where = "record " + std::to_string(number + 1) + " of the batch";
    if (has_unknown_fields(r)) return malformed(where + " has unknown fields");
    for (const pb::Value& v : r.values()) {
        if (has_unknown_fields(v)) return malformed(where + " has a value with unknown fields");
        if (!v.has_text()) continue;
        if (v.text().empty()) return malformed(where + " has an empty value (empty is null, sent absent)");
        if (!records::utf8::is_valid(v.text())) return malformed(where + " has a value that is not UTF-8");
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
