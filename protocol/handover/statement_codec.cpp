// Statement bodies <-> protocol/handover.proto. The only handover file that sees the generated
// body types. Decoding: bound the size, parse strictly (no unknown fields), check the version and
// the fixed-size fields while converting, then run the same field checks as validate_*.
#include <algorithm>

#include "protocol/handover.pb.h"
#include "protocol/handover/statement_internal.h"
#include "protocol/proto_util.h"

namespace baton::handover {

namespace {

namespace hw = wire::handover;
using proto_util::parse_strict;
using proto_util::serialize;
using text::Where;

constexpr uint32_t kBodyVersion = 1;

template <typename Body>
Status parse_body(ByteView bytes, Body& body, const char* what) {
    const Where at(what);
    if (bytes.size() > detail::kMaxBodyBytes)
        return at.error("body is larger than " + std::to_string(detail::kMaxBodyBytes) + " bytes");
    if (!parse_strict(body, bytes)) return at.error("body is malformed or holds unknown fields");
    if (body.version() != kBodyVersion)
        return at.sub("version").error("is " + std::to_string(body.version()) + ", not 1");
    return ok_status();
}

// A field of exactly 32 bytes (keys, hashes).
Result<Digest32> fixed32(const std::string& raw, const Where& at) {
    if (raw.size() != 32) return at.error("must be 32 bytes, got " + std::to_string(raw.size()));
    Digest32 out;
    std::copy(raw.begin(), raw.end(), out.begin());
    return out;
}

template <size_t N>
void put(std::string* out, const std::array<uint8_t, N>& a) {
    out->assign(reinterpret_cast<const char*>(a.data()), a.size());
}

std::vector<std::string> strings(const google::protobuf::RepeatedPtrField<std::string>& r) {
    return std::vector<std::string>(r.begin(), r.end());
}

// ---- plan ----------------------------------------------------------------------------------------

void party_to(const Party& p, hw::Party* w) {
    put(w->mutable_key(), p.key);
    w->set_name(p.name);
}

Result<Party> party_from(const hw::Party& w, const Where& at) {
    BATON_ASSIGN(auto key, fixed32(w.key(), at.sub("key")));
    return Party{key, w.name()};
}

hw::PlanBody plan_to(const Plan& p) {
    hw::PlanBody w;
    w.set_version(kBodyVersion);
    w.set_deal(p.deal);
    put(w.mutable_plan_id(), p.plan_id);
    party_to(p.seller, w.mutable_seller());
    party_to(p.buyer, w.mutable_buyer());
    if (p.witness) party_to(*p.witness, w.mutable_witness());
    for (const auto& s : p.stages) {
        auto* ws = w.add_stages();
        ws->set_name(s.name);
        for (const auto& set : s.sets) ws->add_sets(set);
    }
    for (const auto& m : p.masks) {
        auto* wm = w.add_masks();
        wm->set_set(m.set);
        wm->set_field(m.field);
        wm->set_rule(m.rule);
    }
    w.set_manual_accept(p.manual_accept);
    w.set_created_at(p.created_at);
    return w;
}

Result<Plan> plan_from(const hw::PlanBody& w) {
    const Where at("plan");
    Plan p;
    p.deal = w.deal();
    if (w.plan_id().size() != p.plan_id.size())
        return at.sub("plan_id").error("must be 16 bytes, got " + std::to_string(w.plan_id().size()));
    std::copy(w.plan_id().begin(), w.plan_id().end(), p.plan_id.begin());
    BATON_ASSIGN(p.seller, party_from(w.seller(), at.sub("seller")));
    BATON_ASSIGN(p.buyer, party_from(w.buyer(), at.sub("buyer")));
    if (w.has_witness()) {
        BATON_ASSIGN(auto witness, party_from(w.witness(), at.sub("witness")));
        p.witness = std::move(witness);
    }
    for (const auto& s : w.stages()) p.stages.push_back(PlanStage{s.name(), strings(s.sets())});
    for (const auto& m : w.masks()) p.masks.push_back(PlanMask{m.set(), m.field(), m.rule()});
    p.manual_accept = w.manual_accept();
    p.created_at = w.created_at();
    BATON_TRY(detail::check_plan_fields(p));
    return p;
}

// ---- manifest ------------------------------------------------------------------------------------

void set_summary_to(const SetSummary& s, hw::SetSummary* w) {
    w->set_name(s.name);
    w->set_schema_json(s.schema_json);
    for (const auto& c : s.columns) w->add_columns(c);
    w->set_records(s.records);
    for (const auto& t : s.totals) {
        auto* wt = w->add_totals();
        wt->set_field(t.field);
        wt->set_sum(t.sum);
    }
    for (const auto& r : s.masks) {
        auto* wr = w->add_masks();
        wr->set_field(r.field);
        wr->set_rule(r.rule);
    }
}

SetSummary set_summary_from(const hw::SetSummary& w) {
    SetSummary s{w.name(), w.schema_json(), strings(w.columns()), w.records(), {}, {}};
    for (const auto& t : w.totals()) s.totals.push_back(DecimalTotal{t.field(), t.sum()});
    for (const auto& r : w.masks()) s.masks.push_back(FieldRule{r.field(), r.rule()});
    return s;
}

hw::ManifestBody manifest_to(const Manifest& m) {
    hw::ManifestBody w;
    w.set_version(kBodyVersion);
    w.set_deal(m.deal);
    put(w.mutable_plan_hash(), m.plan_hash);
    w.set_stage_number(m.stage_number);
    w.set_stage(m.stage);
    w.set_chunk_size(m.chunk_size);
    w.set_chunk_count(m.chunk_count);
    w.set_ciphertext_bytes(m.ciphertext_bytes);
    w.set_plaintext_bytes(m.plaintext_bytes);
    put(w.mutable_merkle_root(), m.merkle_root);
    put(w.mutable_plaintext_digest(), m.plaintext_digest);
    for (const auto& s : m.sets) set_summary_to(s, w.add_sets());
    w.set_prepared_at(m.prepared_at);
    return w;
}

Result<Manifest> manifest_from(const hw::ManifestBody& w) {
    const Where at("manifest");
    Manifest m;
    m.deal = w.deal();
    BATON_ASSIGN(m.plan_hash, fixed32(w.plan_hash(), at.sub("plan_hash")));
    m.stage_number = w.stage_number();
    m.stage = w.stage();
    m.chunk_size = w.chunk_size();
    m.chunk_count = w.chunk_count();
    m.ciphertext_bytes = w.ciphertext_bytes();
    m.plaintext_bytes = w.plaintext_bytes();
    BATON_ASSIGN(m.merkle_root, fixed32(w.merkle_root(), at.sub("merkle_root")));
    BATON_ASSIGN(m.plaintext_digest, fixed32(w.plaintext_digest(), at.sub("plaintext_digest")));
    for (const auto& s : w.sets()) m.sets.push_back(set_summary_from(s));
    m.prepared_at = w.prepared_at();
    BATON_TRY(detail::check_manifest_fields(m));
    return m;
}

// ---- receipt ---------------------------------------------------------------------------------------

hw::ReceiptKind receipt_kind_to(ReceiptKind k) {
    switch (k) {
        case ReceiptKind::delivered: return hw::RECEIPT_DELIVERED;
        case ReceiptKind::verified: return hw::RECEIPT_VERIFIED;
        case ReceiptKind::rejected: return hw::RECEIPT_REJECTED;
        case ReceiptKind::accepted: return hw::RECEIPT_ACCEPTED;
        case ReceiptKind::purged: return hw::RECEIPT_PURGED;
    }
    return hw::RECEIPT_KIND_UNSPECIFIED;
}

Result<ReceiptKind> receipt_kind_from(int k, const Where& at) {
    switch (k) {
        case hw::RECEIPT_DELIVERED: return ReceiptKind::delivered;
        case hw::RECEIPT_VERIFIED: return ReceiptKind::verified;
        case hw::RECEIPT_REJECTED: return ReceiptKind::rejected;
        case hw::RECEIPT_ACCEPTED: return ReceiptKind::accepted;
        case hw::RECEIPT_PURGED: return ReceiptKind::purged;
        default: return at.error("is unknown (" + std::to_string(k) + ")");
    }
}

hw::ReceiptBody receipt_to(const Receipt& r) {
    hw::ReceiptBody w;
    w.set_version(kBodyVersion);
    w.set_deal(r.deal);
    put(w.mutable_plan_hash(), r.plan_hash);
    w.set_stage_number(r.stage_number);
    w.set_stage(r.stage);
    w.set_kind(receipt_kind_to(r.kind));
    put(w.mutable_manifest_hash(), r.manifest_hash);
    put(w.mutable_merkle_root(), r.merkle_root);
    w.set_reason_code(r.reason_code);
    w.set_reason_detail(r.reason_detail);
    w.set_signed_at(r.signed_at);
    return w;
}

Result<Receipt> receipt_from(const hw::ReceiptBody& w) {
    const Where at("receipt");
    Receipt r;
    r.deal = w.deal();
    BATON_ASSIGN(r.plan_hash, fixed32(w.plan_hash(), at.sub("plan_hash")));
    r.stage_number = w.stage_number();
    r.stage = w.stage();
    BATON_ASSIGN(r.kind, receipt_kind_from(w.kind(), at.sub("kind")));
    BATON_ASSIGN(r.manifest_hash, fixed32(w.manifest_hash(), at.sub("manifest_hash")));
    BATON_ASSIGN(r.merkle_root, fixed32(w.merkle_root(), at.sub("merkle_root")));
    r.reason_code = w.reason_code();
    r.reason_detail = w.reason_detail();
    r.signed_at = w.signed_at();
    BATON_TRY(detail::check_receipt_fields(r));
    return r;
}

}  // namespace

// ---- public body codecs ------------------------------------------------------------------------

Bytes encode_plan_body(const Plan& p) { return serialize(plan_to(p)); }
Bytes encode_manifest_body(const Manifest& m) { return serialize(manifest_to(m)); }
Bytes encode_receipt_body(const Receipt& r) { return serialize(receipt_to(r)); }

Bytes encode_countersign_body(const Countersign& c) {
    hw::CountersignBody w;
    w.set_version(kBodyVersion);
    w.set_deal(c.deal);
    put(w.mutable_plan_hash(), c.plan_hash);
    w.set_signed_at(c.signed_at);
    return serialize(w);
}

Bytes encode_key_release_body(const KeyRelease& k) {
    hw::KeyReleaseBody w;
    w.set_version(kBodyVersion);
    w.set_deal(k.deal);
    w.set_stage_number(k.stage_number);
    w.set_stage(k.stage);
    put(w.mutable_manifest_hash(), k.manifest_hash);
    put(w.mutable_sealed_key_hash(), k.sealed_key_hash);
    w.set_released_at(k.released_at);
    return serialize(w);
}

Result<Plan> decode_plan_body(ByteView body) {
    hw::PlanBody w;
    BATON_TRY(parse_body(body, w, "plan"));
    return plan_from(w);
}

Result<Manifest> decode_manifest_body(ByteView body) {
    hw::ManifestBody w;
    BATON_TRY(parse_body(body, w, "manifest"));
    return manifest_from(w);
}

Result<Receipt> decode_receipt_body(ByteView body) {
    hw::ReceiptBody w;
    BATON_TRY(parse_body(body, w, "receipt"));
    return receipt_from(w);
}

Result<Countersign> decode_countersign_body(ByteView body) {
    hw::CountersignBody w;
    BATON_TRY(parse_body(body, w, "countersign"));
    const Where at("countersign");
    Countersign c;
    c.deal = w.deal();
    BATON_ASSIGN(c.plan_hash, fixed32(w.plan_hash(), at.sub("plan_hash")));
    c.signed_at = w.signed_at();
    BATON_TRY(detail::check_countersign_fields(c));
    return c;
}

Result<KeyRelease> decode_key_release_body(ByteView body) {
    hw::KeyReleaseBody w;
    BATON_TRY(parse_body(body, w, "key_release"));
    const Where at("key_release");
    KeyRelease k;
    k.deal = w.deal();
    k.stage_number = w.stage_number();
    k.stage = w.stage();
    BATON_ASSIGN(k.manifest_hash, fixed32(w.manifest_hash(), at.sub("manifest_hash")));
    BATON_ASSIGN(k.sealed_key_hash, fixed32(w.sealed_key_hash(), at.sub("sealed_key_hash")));
    k.released_at = w.released_at();
    BATON_TRY(detail::check_key_release_fields(k));
    return k;
}

// ---- witness statements ----------------------------------------------------------------------------

Bytes encode_checkpoint_body(const Checkpoint& c) {
    hw::CheckpointBody w;
    w.set_version(kBodyVersion);
    w.set_deal(c.deal);
    put(w.mutable_plan_hash(), c.plan_hash);
    w.set_tree_size(c.tree_size);
    put(w.mutable_root(), c.root);
    w.set_signed_at(c.signed_at);
    return serialize(w);
}

Bytes encode_refusal_body(const Refusal& r) {
    hw::RefusalBody w;
    w.set_version(kBodyVersion);
    w.set_deal(r.deal);
    put(w.mutable_statement_hash(), r.statement_hash);
    w.set_reason_code(r.reason_code);
    w.set_reason_detail(r.reason_detail);
    w.set_signed_at(r.signed_at);
    return serialize(w);
}

Result<Checkpoint> decode_checkpoint_body(ByteView body) {
    hw::CheckpointBody w;
    BATON_TRY(parse_body(body, w, "checkpoint"));
    const Where at("checkpoint");
    Checkpoint c;
    c.deal = w.deal();
    BATON_ASSIGN(c.plan_hash, fixed32(w.plan_hash(), at.sub("plan_hash")));
    c.tree_size = w.tree_size();
    BATON_ASSIGN(c.root, fixed32(w.root(), at.sub("root")));
    c.signed_at = w.signed_at();
    BATON_TRY(detail::check_checkpoint_fields(c));
    return c;
}

Result<Refusal> decode_refusal_body(ByteView body) {
    hw::RefusalBody w;
    BATON_TRY(parse_body(body, w, "refusal"));
    const Where at("refusal");
    Refusal r;
    r.deal = w.deal();
    BATON_ASSIGN(r.statement_hash, fixed32(w.statement_hash(), at.sub("statement_hash")));
    r.reason_code = w.reason_code();
    r.reason_detail = w.reason_detail();
    r.signed_at = w.signed_at();
    BATON_TRY(detail::check_refusal_fields(r));
    return r;
}

}  // namespace baton::handover
