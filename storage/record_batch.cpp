#include "storage/record_batch.h"

#include <cstring>

namespace baton::storage {

namespace {

constexpr std::string_view kSetKeyContext = "baton-record-set-key-v1";
constexpr std::string_view kKeyHashContext = "baton-record-key-hash-v1";
constexpr std::string_view kBatchContext = "baton-record-batch-v1";
constexpr std::string_view kDigestContext = "baton-record-digest-v1";

// Keyed BLAKE2b-256 of `input` under the storage key, copied into wiped memory.
Secret<32> keyed_derive(const crypto::Key32& storage_key, ByteView input) {
    crypto::Blake2b h(32, storage_key.view());
    h.update(input);
    Bytes out = h.finish();
    Secret<32> s(std::span<const uint8_t, 32>(out.data(), 32));
    wipe_bytes(out);
    return s;
}

// Writes v as a LEB128 varint at p; returns the bytes written (1..5).
size_t put_varint(uint8_t* p, uint32_t v) {
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = static_cast<uint8_t>(v | 0x80);
        v >>= 7;
    }
    p[n++] = static_cast<uint8_t>(v);
    return n;
}

// Reads a varint from b[pos...]; false when truncated, longer than 5 bytes, above 2^32 - 1 or
// not in its shortest form.
bool get_varint(const Bytes& b, size_t& pos, uint32_t& out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        if (pos >= b.size()) return false;
        const uint8_t byte = b[pos++];
        v |= static_cast<uint64_t>(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            if (shift > 0 && byte == 0) return false;  // a longer form of a shorter number
            if (v > UINT32_MAX) return false;
            out = static_cast<uint32_t>(v);
            return true;
        }
    }
    return false;
}

void put_u32(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
}

Error corrupt(std::string_view what) { return verify_error("stored record batch is corrupt: " + std::string(what)); }

}  // namespace

crypto::Key32 derive_set_key(const crypto::Key32& storage_key, std::string_view set) {
    Bytes input = to_bytes(kSetKeyContext);
    input.push_back(0);
    append(input, as_bytes(set));
    return keyed_derive(storage_key, input);
}

Secret<32> derive_key_hash_secret(const crypto::Key32& storage_key) {
    return keyed_derive(storage_key, as_bytes(kKeyHashContext));
}

Bytes batch_associated_data(std::string_view set, const ImportId& import_id, uint64_t batch) {
    Bytes ad = to_bytes(kBatchContext);
    put_u32_be(ad, static_cast<uint32_t>(set.size()));
    append(ad, as_bytes(set));
    append(ad, import_id);
    put_u64_be(ad, batch);
    return ad;
}

// ---- ContentDigest -----------------------------------------------------------------------------

ContentDigest::ContentDigest(size_t field_count) : h_(32) {
    Bytes head = to_bytes(kDigestContext);
    put_u32_be(head, static_cast<uint32_t>(field_count));
    h_.update(head);
}

crypto::Digest32 ContentDigest::finish() {
    Bytes out = h_.finish();
    crypto::Digest32 d;
    std::memcpy(d.data(), out.data(), d.size());
    return d;
}

// ---- BatchEncoder ------------------------------------------------------------------------------

BatchEncoder::BatchEncoder() : buf_(kBatchBytes + (64u << 10)) {}

BatchEncoder::~BatchEncoder() { wipe_bytes(buf_); }

void BatchEncoder::add(std::span<const FieldValue> row) {
    size_t need = 0;
    for (const FieldValue& v : row) need += v ? 5 + v->size() : 1;  // at most
    if (used_ + need > buf_.size()) {
        // Copy to a bigger buffer ourselves, so that the old one can be wiped before it is freed.
        Bytes bigger(2 * (used_ + need));
        std::memcpy(bigger.data(), buf_.data(), used_);
        wipe_bytes(buf_);
        buf_.swap(bigger);
    }
    uint8_t* p = buf_.data() + used_;
    for (const FieldValue& v : row) {
        if (!v) {
            *p++ = 0;
            continue;
        }
        p += put_varint(p, static_cast<uint32_t>(v->size() + 1));
        if (!v->empty()) std::memcpy(p, v->data(), v->size());
        p += v->size();
    }
    used_ = static_cast<size_t>(p - buf_.data());
    ++count_;
}

ByteView BatchEncoder::plaintext() {
    put_u32(buf_.data(), count_);
    return ByteView(buf_).first(used_);
}

void BatchEncoder::clear() {
    used_ = 4;
    count_ = 0;
}

// ---- BatchDecoder ------------------------------------------------------------------------------

Result<BatchDecoder> BatchDecoder::parse(Bytes plaintext, size_t field_count) {
    BatchDecoder d(std::move(plaintext), field_count, 0);
    const Bytes& b = d.plain_;
    if (b.size() < 4) return corrupt("shorter than its header");
    d.count_ = get_u32_be(b.data());
    if (d.count_ == 0 || d.count_ > kBatchRecords) return corrupt("record count out of range");
    d.starts_.reserve(d.count_);
    size_t pos = 4;
    for (uint32_t r = 0; r < d.count_; ++r) {
        d.starts_.push_back(pos);
        for (size_t f = 0; f < field_count; ++f) {
            uint32_t head = 0;
            if (!get_varint(b, pos, head)) return corrupt("bad value length");
            if (head == 0) continue;
            if (b.size() - pos < head - 1) return corrupt("value runs past the batch");
            pos += head - 1;
        }
    }
    if (pos != b.size()) return corrupt("trailing bytes");
    return d;
}

BatchDecoder::~BatchDecoder() { wipe_bytes(plain_); }

BatchDecoder& BatchDecoder::operator=(BatchDecoder&& o) noexcept {
    if (this != &o) {
        wipe_bytes(plain_);
        plain_ = std::move(o.plain_);
        field_count_ = o.field_count_;
        count_ = o.count_;
        starts_ = std::move(o.starts_);
    }
    return *this;
}

void BatchDecoder::record(uint32_t i, std::vector<FieldValue>& row) const {
    row.resize(field_count_);
    size_t pos = starts_[i];
    for (size_t f = 0; f < field_count_; ++f) {
        uint32_t head = 0;
        (void)get_varint(plain_, pos, head);  // checked by parse()
        if (head == 0) {
            row[f] = std::nullopt;
            continue;
        }
        row[f] = std::string_view(reinterpret_cast<const char*>(plain_.data() + pos), head - 1);
        pos += head - 1;
    }
}

}  // namespace baton::storage
