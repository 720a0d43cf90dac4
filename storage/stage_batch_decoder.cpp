// StageBatch: the decoder of one batch of a stage's plaintext, bytes a seller made.
//
// It accepts exactly the canonical encoding of stage_batch_wire.h, the bytes StageBatchEncoder
// writes, so a batch that decodes re-encodes to the same bytes (fuzz_stage_batch checks it).
// Protobuf's parser, which this replaces, accepts more: fields in any order or repeated,
// non-minimal varints, set 0 written out, and it keeps unknown fields for the caller to look at.
// No baton seller writes any of that. Reading by hand instead of building messages made the
// buyer's check and export faster (bench/compare).
//
// The batch is copied into the decoder, record values are views into that copy, and the copy is
// wiped when the next parse starts, when a parse fails and when the decoder is destroyed.
#include <cstring>
#include <optional>
#include <vector>

#include "storage/records/utf8.h"
#include "storage/stage_batch_wire.h"
#include "storage/stage_plaintext.h"

namespace baton::storage {

using namespace wire;

namespace {

// A forward-only reader over [p, end).
struct Reader {
    const uint8_t* p;
    const uint8_t* end;

    bool done() const { return p == end; }
    size_t left() const { return static_cast<size_t>(end - p); }

    // Consumes `tag` when it is the next byte.
    bool take(uint8_t tag) {
        if (p == end || *p != tag) return false;
        ++p;
        return true;
    }

    // A minimal varint of at most 32 bits.
    std::optional<uint32_t> varint() {
        uint64_t v = 0;
        for (int i = 0; i < 5 && p != end; ++i) {
            const uint8_t b = *p++;
            v |= uint64_t{b & 0x7fu} << (7 * i);
            if (b & 0x80) continue;
            if ((i > 0 && b == 0) || v > UINT32_MAX) return std::nullopt;
            return static_cast<uint32_t>(v);
        }
        return std::nullopt;
    }

    // A length-delimited field's body: its length, then that many bytes, which must be there.
    std::optional<Reader> body() {
        const auto n = varint();
        if (!n || *n > left()) return std::nullopt;
        const Reader inner{p, p + *n};
        p += *n;
        return inner;
    }
};

// A value's place in the batch; size 0 is null (an empty text is refused).
struct Span {
    uint32_t at = 0, size = 0;
};

}  // namespace

struct StageBatch::Impl {
    Bytes bytes;                        // the batch, copied
    uint32_t set = 0;
    std::vector<Span> values;           // every record's values, record after record
    std::vector<uint32_t> record_ends;  // record i's values end at values[record_ends[i]]

    ~Impl() { wipe_bytes(bytes); }

    void clear() {
        wipe_bytes(bytes);
        bytes.clear();
        set = 0;
        values.clear();
        record_ends.clear();
    }

    std::optional<StageFault> decode();
    std::optional<StageFault> decode_record(Reader r);
};

std::optional<StageFault> StageBatch::Impl::decode() {
    Reader r{bytes.data(), bytes.data() + bytes.size()};
    if (r.take(kSetTag)) {
        const auto n = r.varint();
        if (!n) return malformed("a batch whose set number is not a minimal varint of 32 bits");
        if (*n == 0) return malformed("a batch that writes set 0 out (set 0 is sent absent)");
        set = *n;
    }
    while (!r.done()) {
        if (record_ends.size() == kStageBatchRecords)
            return malformed("a batch of more than " + std::to_string(kStageBatchRecords) + " records");
        if (!r.take(kRecordsTag)) return malformed("a batch with unknown fields, or its set after its records");
        auto record = r.body();
        if (!record) return malformed("a batch cut short in record " + std::to_string(record_ends.size() + 1));
        if (auto f = decode_record(*record)) return f;
    }
    if (record_ends.empty()) return malformed("a batch of 0 records (1.." + std::to_string(kStageBatchRecords) + ")");
    return std::nullopt;
}

std::optional<StageFault> StageBatch::Impl::decode_record(Reader r) {
    // Built only for a fault: this runs for every record the buyer checks or exports.
    auto fault = [this](std::string_view what) {
        return malformed("record " + std::to_string(record_ends.size() + 1) + " of the batch " + std::string(what));
    };
    while (!r.done()) {
        if (!r.take(kValuesTag)) return fault("has unknown fields");
        auto value = r.body();
        if (!value) return fault("is cut short");
        if (value->done()) {
            values.push_back({});  // null
            continue;
        }
        if (!value->take(kTextTag)) return fault("has a value with unknown fields");
        auto text = value->body();
        if (!text) return fault("has a value cut short");
        if (!value->done()) return fault("has a value with unknown fields");
        if (text->done()) return fault("has an empty value (empty is null, sent absent)");
        const std::string_view view(reinterpret_cast<const char*>(text->p), text->left());
        if (!records::utf8::is_valid(view)) return fault("has a value that is not UTF-8");
        values.push_back({static_cast<uint32_t>(text->p - bytes.data()), static_cast<uint32_t>(text->left())});
    }
    record_ends.push_back(static_cast<uint32_t>(values.size()));
    return std::nullopt;
}

StageBatch::StageBatch() : impl_(std::make_unique<Impl>()) {}
StageBatch::~StageBatch() = default;
StageBatch::StageBatch(StageBatch&&) noexcept = default;

std::optional<StageFault> StageBatch::parse(ByteView bytes) {
    Impl& m = *impl_;
    m.clear();
    if (bytes.size() > kMaxStageBatchBytes) return malformed("a batch larger than 16 MiB");
    resize_wiped(m.bytes, bytes.size());
    if (!bytes.empty()) std::memcpy(m.bytes.data(), bytes.data(), bytes.size());
    auto f = m.decode();
    if (f) m.clear();
    return f;
}

uint32_t StageBatch::set() const { return impl_->set; }
uint32_t StageBatch::records() const { return static_cast<uint32_t>(impl_->record_ends.size()); }

bool StageBatch::fields_are(size_t fields) const {
    uint32_t start = 0;
    for (const uint32_t end : impl_->record_ends) {
        if (end - start != fields) return false;
        start = end;
    }
    return true;
}

void StageBatch::record(uint32_t i, std::vector<FieldValue>& row) const {
    const Impl& m = *impl_;
    const uint32_t start = i == 0 ? 0 : m.record_ends[i - 1];
    row.resize(m.record_ends[i] - start);
    for (size_t f = 0; f < row.size(); ++f) {
        const Span s = m.values[start + f];
        row[f] = s.size ? FieldValue(std::string_view(reinterpret_cast<const char*>(m.bytes.data()) + s.at, s.size))
                        : std::nullopt;
    }
}

}  // namespace baton::storage
