#include "protocol/evidence/evidence_file.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "certs/types.h"
#include "protocol/handover/statements.h"

namespace baton::evidence {

namespace {

enum Tag : uint8_t {
    kDeal = 1,
    kCertificate = 2,
    kRevocationList = 3,
    kPlan = 4,
    kCountersign = 5,
    kManifest = 6,
    kReceipt = 7,
    kKeyRelease = 8,
    kLogLeaf = 9,
    kCheckpoint = 10,
    kRefused = 11,
    kProducer = 12,
    kEnd = 0xFF,
};

constexpr size_t kHeaderBytes = sizeof(kMagic) + 4;
constexpr size_t kFieldHeaderBytes = 5;
constexpr size_t kMaxDealBytes = 64;

struct FieldRule {
    const char* name;
    size_t max_items;  // 1 for a singular field
    size_t max_bytes;  // of one item
};

// The rule of a known tag, or nullptr.
const FieldRule* rule_of(uint8_t tag) {
    static const FieldRule deal{"deal", 1, kMaxDealBytes};
    static const FieldRule cert{"certificate", kMaxCertificates, certs::kMaxEnvelopeBytes};
    static const FieldRule crl{"revocation_list", kMaxRevocationLists, certs::kMaxEnvelopeBytes};
    static const FieldRule plan{"plan", 1, handover::kMaxStatementBytes};
    static const FieldRule cs{"countersign", 1, handover::kMaxStatementBytes};
    static const FieldRule manifest{"manifest", kMaxManifests, handover::kMaxStatementBytes};
    static const FieldRule receipt{"receipt", kMaxReceipts, handover::kMaxStatementBytes};
    static const FieldRule release{"key_release", kMaxKeyReleases, handover::kMaxStatementBytes};
    static const FieldRule leaf{"log_leaf", kMaxLogLeaves, handover::kMaxStatementBytes};
    static const FieldRule checkpoint{"checkpoint", kMaxCheckpoints, handover::kMaxStatementBytes};
    static const FieldRule refused{"refused_statement", kMaxRefused, 8 + handover::kMaxStatementBytes};
    static const FieldRule producer{"producer", 1, 32 + 64};
    switch (tag) {
        case kDeal: return &deal;
        case kCertificate: return &cert;
        case kRevocationList: return &crl;
        case kPlan: return &plan;
        case kCountersign: return &cs;
        case kManifest: return &manifest;
        case kReceipt: return &receipt;
        case kKeyRelease: return &release;
        case kLogLeaf: return &leaf;
        case kCheckpoint: return &checkpoint;
        case kRefused: return &refused;
        case kProducer: return &producer;
        default: return nullptr;
    }
}

void put_field(Bytes& out, uint8_t tag, ByteView value) {
    out.push_back(tag);
    put_u32_be(out, static_cast<uint32_t>(value.size()));
    append(out, value);
}

void put_all(Bytes& out, uint8_t tag, const std::vector<Bytes>& items) {
    for (const auto& i : items) put_field(out, tag, i);
}

// Where the decoder stands, for errors: "evidence file: byte 1234 (receipt 3): ..."
Error at(size_t offset, const std::string& what, const std::string& problem) {
    return input_error("evidence file: byte " + std::to_string(offset) + (what.empty() ? "" : " (" + what + ")") + ": " +
                       problem);
}

// Collects decoded fields and enforces count, order and duplicate rules.
class Collector {
public:
    Status add(size_t offset, uint8_t tag, ByteView value) {
        const FieldRule* rule = rule_of(tag);
        if (!rule) return at(offset, "", "unknown field tag " + std::to_string(tag));
        const std::string what = std::string(rule->name) + " " + std::to_string(count(tag) + 1);
        if (tag < last_tag_)
            return at(offset, what, "field out of order (tag " + std::to_string(tag) + " after tag " +
                                        std::to_string(last_tag_) + ")");
        last_tag_ = tag;
        if (count(tag) >= rule->max_items)
            return at(offset, what, rule->max_items == 1 ? "the field appears twice"
                                                         : "more than " + std::to_string(rule->max_items) + " items");
        if (value.size() > rule->max_bytes || value.empty())
            return at(offset, what, "length " + std::to_string(value.size()) + " is outside 1.." +
                                        std::to_string(rule->max_bytes));
        if (!seen_.insert({tag, Bytes(value.begin(), value.end())}).second)
            return at(offset, what, "duplicate of an earlier " + std::string(rule->name));
        ++counts_[tag];
        return store(offset, what, tag, value);
    }

    Result<EvidenceFile> finish(size_t offset) {
        if (counts_[kDeal] == 0) return at(offset, "", "no deal field");
        if (counts_[kPlan] == 0) return at(offset, "", "no plan field");
        if (counts_[kProducer] == 0) return at(offset, "", "no producer signature");
        return std::move(f_);
    }

private:
    size_t count(uint8_t tag) const { return counts_[tag]; }

    Status store(size_t offset, const std::string& what, uint8_t tag, ByteView v) {
        Bytes b(v.begin(), v.end());
        switch (tag) {
            case kDeal:
                f_.deal.assign(as_chars(v));
                if (!certs::check_deal_id(f_.deal)) return at(offset, what, "not a valid deal id");
                return ok_status();
            case kCertificate: f_.certificates.push_back(std::move(b)); return ok_status();
            case kRevocationList: f_.revocation_lists.push_back(std::move(b)); return ok_status();
            case kPlan: f_.plan = std::move(b); return ok_status();
            case kCountersign: f_.countersign = std::move(b); return ok_status();
            case kManifest: f_.manifests.push_back(std::move(b)); return ok_status();
            case kReceipt: f_.receipts.push_back(std::move(b)); return ok_status();
            case kKeyRelease: f_.key_releases.push_back(std::move(b)); return ok_status();
            case kLogLeaf: f_.log_leaves.push_back(std::move(b)); return ok_status();
            case kCheckpoint: f_.checkpoints.push_back(std::move(b)); return ok_status();
            case kRefused: {
                if (v.size() <= 8) return at(offset, what, "shorter than its index and a statement");
                const uint64_t index = get_u64_be(v.data());
                if (!f_.refused.empty() && index <= f_.refused.back().refusal_index)
                    return at(offset, what, "refusal indexes must increase");
                f_.refused.push_back({index, Bytes(v.begin() + 8, v.end())});
                return ok_status();
            }
            case kProducer:
                if (v.size() != 96) return at(offset, what, "must be a 32-byte key and a 64-byte signature");
                std::copy(v.begin(), v.begin() + 32, f_.producer.key.begin());
                std::copy(v.begin() + 32, v.end(), f_.producer.signature.begin());
                return ok_status();
        }
        return at(offset, what, "internal: unhandled tag");
    }

    EvidenceFile f_;
    uint8_t last_tag_ = 0;
    size_t counts_[256] = {};
    std::set<std::pair<uint8_t, Bytes>> seen_;
};

}  // namespace

Bytes producer_signed_bytes(const EvidenceFile& f) {
    Bytes out(kMagic, kMagic + sizeof(kMagic));
    put_u32_be(out, kVersion);
    put_field(out, kDeal, as_bytes(f.deal));
    put_all(out, kCertificate, f.certificates);
    put_all(out, kRevocationList, f.revocation_lists);
    put_field(out, kPlan, f.plan);
    if (f.countersign) put_field(out, kCountersign, *f.countersign);
    put_all(out, kManifest, f.manifests);
    put_all(out, kReceipt, f.receipts);
    put_all(out, kKeyRelease, f.key_releases);
    put_all(out, kLogLeaf, f.log_leaves);
    put_all(out, kCheckpoint, f.checkpoints);
    for (const auto& r : f.refused) {
        Bytes v;
        put_u64_be(v, r.refusal_index);
        append(v, r.envelope);
        put_field(out, kRefused, v);
    }
    return out;
}

Bytes encode_evidence(const EvidenceFile& f) {
    Bytes out = producer_signed_bytes(f);
    Bytes producer(f.producer.key.begin(), f.producer.key.end());
    append(producer, f.producer.signature);
    put_field(out, kProducer, producer);
    out.push_back(kEnd);
    put_u32_be(out, 0);
    return out;
}

void sign_evidence(EvidenceFile& f, const crypto::Ed25519KeyPair& producer) {
    f.producer.key = producer.public_key;
    f.producer.signature = crypto::sign_in_context(producer, kProducerContext, producer_signed_bytes(f));
}

bool producer_signature_holds(const EvidenceFile& f) {
    return crypto::verify_in_context(f.producer.key, kProducerContext, producer_signed_bytes(f), f.producer.signature);
}

Result<EvidenceFile> decode_evidence(ByteView bytes) {
    if (bytes.size() > kMaxEvidenceBytes)
        return input_error("evidence file: larger than " + std::to_string(kMaxEvidenceBytes) + " bytes");
    if (bytes.size() < kHeaderBytes || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0)
        return input_error("evidence file: no BATONEVD header (not a Baton evidence file)");
    const uint32_t version = get_u32_be(bytes.data() + sizeof(kMagic));
    if (version != kVersion)
        return input_error("evidence file: version " + std::to_string(version) + " is not supported (this baton reads " +
                           std::to_string(kVersion) + ")");
    Collector c;
    size_t pos = kHeaderBytes;
    while (true) {
        if (bytes.size() - pos < kFieldHeaderBytes) return at(pos, "", "truncated: no end marker");
        const uint8_t tag = bytes[pos];
        const uint32_t len = get_u32_be(bytes.data() + pos + 1);
        if (tag == kEnd) {
            if (len != 0) return at(pos, "end", "the end marker has a length");
            const size_t end = pos + kFieldHeaderBytes;
            if (end != bytes.size())
                return at(end, "", std::to_string(bytes.size() - end) + " bytes after the end marker");
            return c.finish(pos);
        }
        if (len > bytes.size() - pos - kFieldHeaderBytes) return at(pos, "", "a field's length runs past the end of the file");
        BATON_TRY(c.add(pos, tag, bytes.subspan(pos + kFieldHeaderBytes, len)));
        pos += kFieldHeaderBytes + len;
    }
}

}  // namespace baton::evidence
