// validate_*: the bounds and consistency rules of each statement (statements.h). No protobuf here:
// the codec converts wire messages to structs and then runs these same checks.
#include <algorithm>
#include <set>
#include <utility>

#include "certs/types.h"
#include "protocol/handover/statement_internal.h"
#include "protocol/handover/statements.h"

namespace baton::handover {

namespace {

using text::Where;

bool is_rule(std::string_view r) { return r == "keep" || r == "mask" || r == "pseudonymize" || r == "drop"; }

Status check_rule(const std::string& rule, const Where& at) {
    if (!is_rule(rule)) return at.error("is not one of keep, mask, pseudonymize, drop");
    return ok_status();
}

Status check_deal(const std::string& deal, const Where& at) {
    if (!certs::check_deal_id(deal)) return at.error("is not a valid deal id");
    return ok_status();
}

Status check_time(UnixTime t, const Where& at) {
    if (t < 0) return at.error("is negative");
    return ok_status();
}

// Stage names: [A-Za-z0-9_-]{1,64}.
Status check_stage_name(const std::string& name, const Where& at) {
    if (name.empty() || name.size() > kMaxStageNameBytes)
        return at.error("must be 1 to " + std::to_string(kMaxStageNameBytes) + " bytes");
    for (char c : name) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                        c == '-';
        if (!ok) return at.error("may hold only letters, digits, '_' and '-'");
    }
    return ok_status();
}

Status check_party(const Party& p, const Where& at) { return text::check_name(p.name, at.sub("name")); }

Status check_parties(const Plan& p) {
    const Where at("plan");
    BATON_TRY(check_party(p.seller, at.sub("seller")));
    BATON_TRY(check_party(p.buyer, at.sub("buyer")));
    if (p.buyer.key == p.seller.key) return at.sub("buyer.key").error("equals the seller's key");
    if (p.witness) {
        BATON_TRY(check_party(*p.witness, at.sub("witness")));
        if (p.witness->key == p.seller.key || p.witness->key == p.buyer.key)
            return at.sub("witness.key").error("equals the seller's or the buyer's key");
    }
    return ok_status();
}

// Stages: well-formed unique names, each set in one stage only. Collects the plan's sets.
Status check_stages(const std::vector<PlanStage>& stages, std::set<std::string>& all_sets) {
    const Where at("plan");
    if (stages.empty() || stages.size() > kMaxStages)
        return at.sub("stages").error("must hold 1 to " + std::to_string(kMaxStages) + " stages");
    std::set<std::string> names;
    for (size_t i = 0; i < stages.size(); ++i) {
        const Where st = at.sub("stages", i);
        BATON_TRY(check_stage_name(stages[i].name, st.sub("name")));
        if (!names.insert(stages[i].name).second) return st.sub("name").error("repeats an earlier stage's name");
        const auto& sets = stages[i].sets;
        if (sets.empty() || sets.size() > kMaxSetsPerStage)
            return st.sub("sets").error("must hold 1 to " + std::to_string(kMaxSetsPerStage) + " sets");
        for (size_t j = 0; j < sets.size(); ++j) {
            BATON_TRY(text::check_name(sets[j], st.sub("sets", j)));
            if (!all_sets.insert(sets[j]).second)
                return st.sub("sets", j).error("names a set that is already in a stage");
        }
    }
    return ok_status();
}

Status check_masks(const std::vector<PlanMask>& masks, const std::set<std::string>& all_sets) {
    const Where at("plan");
    if (masks.size() > kMaxMasks)
        return at.sub("masks").error("holds more than " + std::to_string(kMaxMasks) + " rules");
    std::set<std::pair<std::string, std::string>> seen;
    for (size_t i = 0; i < masks.size(); ++i) {
        const Where m = at.sub("masks", i);
        BATON_TRY(text::check_name(masks[i].set, m.sub("set")));
        BATON_TRY(text::check_name(masks[i].field, m.sub("field")));
        BATON_TRY(check_rule(masks[i].rule, m.sub("rule")));
        if (!all_sets.contains(masks[i].set)) return m.sub("set").error("names a set that is in no stage");
        if (!seen.emplace(masks[i].set, masks[i].field).second)
            return m.error("is a second rule for the same set and field");
    }
    return ok_status();
}

// Sizes of a manifest: the chunk count is exactly the pieces of the plaintext.
Status check_sizes(const Manifest& m) {
    const Where at("manifest");
    if (m.chunk_size < kMinChunkSize || m.chunk_size > kMaxChunkSize)
        return at.sub("chunk_size").error("is outside [" + std::to_string(kMinChunkSize) + ", " +
                                          std::to_string(kMaxChunkSize) + "]");
    if (m.chunk_count < 1) return at.sub("chunk_count").error("is 0 (an empty stage has one empty chunk)");
    const uint64_t pieces = m.plaintext_bytes / m.chunk_size + (m.plaintext_bytes % m.chunk_size != 0 ? 1 : 0);
    if (std::max<uint64_t>(pieces, 1) != m.chunk_count)
        return at.sub("chunk_count").error("does not match plaintext_bytes / chunk_size");
    // chunk_count < 2^32 and chunk_size <= 2^24 bound plaintext_bytes below 2^56: no overflow.
    if (m.ciphertext_bytes != m.plaintext_bytes + uint64_t{m.chunk_count} * crypto::kAeadTagSize)
        return at.sub("ciphertext_bytes").error("is not plaintext_bytes plus a 16-byte tag per chunk");
    return ok_status();
}

Status check_field_list(const std::vector<std::string>& fields, const Where& at) {
    if (fields.size() > kMaxFieldsPerSet)
        return at.error("holds more than " + std::to_string(kMaxFieldsPerSet) + " fields");
    std::set<std::string> seen;
    for (size_t i = 0; i < fields.size(); ++i) {
        BATON_TRY(text::check_name(fields[i], at.at(i)));
        if (!seen.insert(fields[i]).second) return at.at(i).error("repeats an earlier field");
    }
    return ok_status();
}

Status check_set_summary(const SetSummary& s, const Where& at) {
    BATON_TRY(text::check_name(s.name, at.sub("name")));
    if (s.schema_json.empty()) return at.sub("schema_json").error("is empty");
    BATON_TRY(text::check_utf8(s.schema_json, at.sub("schema_json")));
    BATON_TRY(check_field_list(s.columns, at.sub("columns")));
    std::vector<std::string> names;
    for (const auto& t : s.totals) names.push_back(t.field);
    BATON_TRY(check_field_list(names, at.sub("totals")));
    for (size_t i = 0; i < s.totals.size(); ++i)
        BATON_TRY(text::check_decimal(s.totals[i].sum, at.sub("totals", i).sub("sum")));
    names.clear();
    for (const auto& r : s.masks) names.push_back(r.field);
    BATON_TRY(check_field_list(names, at.sub("masks")));
    for (size_t i = 0; i < s.masks.size(); ++i) BATON_TRY(check_rule(s.masks[i].rule, at.sub("masks", i).sub("rule")));
    return ok_status();
}

Status check_reason(const Receipt& r) {
    const Where at("receipt");
    if (r.kind != ReceiptKind::rejected) {
        if (!r.reason_code.empty()) return at.sub("reason_code").error("is set on a receipt that is not rejected");
        if (!r.reason_detail.empty())
            return at.sub("reason_detail").error("is set on a receipt that is not rejected");
        return ok_status();
    }
    BATON_TRY(text::check_reason_code(r.reason_code, at.sub("reason_code")));
    if (r.reason_detail.size() > kMaxReasonBytes)
        return at.sub("reason_detail").error("is longer than " + std::to_string(kMaxReasonBytes) + " bytes");
    return text::check_utf8(r.reason_detail, at.sub("reason_detail"));
}

Status check_body_size(const Bytes& body, const char* what) {
    if (body.size() > detail::kMaxBodyBytes)
        return input_error(std::string(what) + ": encoded body is larger than " +
                           std::to_string(detail::kMaxBodyBytes) + " bytes");
    return ok_status();
}

}  // namespace

// The field checks below run on decoded bodies, where the size was bounded by the envelope;
// the public forms add the size check for statements about to be signed.
namespace detail {

Status check_plan_fields(const Plan& p) {
    const Where at("plan");
    BATON_TRY(check_deal(p.deal, at.sub("deal")));
    BATON_TRY(check_parties(p));
    std::set<std::string> all_sets;
    BATON_TRY(check_stages(p.stages, all_sets));
    BATON_TRY(check_masks(p.masks, all_sets));
    return check_time(p.created_at, at.sub("created_at"));
}

Status check_countersign_fields(const Countersign& c) {
    const Where at("countersign");
    BATON_TRY(check_deal(c.deal, at.sub("deal")));
    return check_time(c.signed_at, at.sub("signed_at"));
}

Status check_manifest_fields(const Manifest& m) {
    const Where at("manifest");
    BATON_TRY(check_deal(m.deal, at.sub("deal")));
    if (m.stage_number >= kMaxStages) return at.sub("stage_number").error("is beyond the last possible stage");
    BATON_TRY(check_stage_name(m.stage, at.sub("stage")));
    BATON_TRY(check_sizes(m));
    if (m.sets.empty() || m.sets.size() > kMaxSetsPerStage)
        return at.sub("sets").error("must hold 1 to " + std::to_string(kMaxSetsPerStage) + " sets");
    std::set<std::string> names;
    for (size_t i = 0; i < m.sets.size(); ++i) {
        BATON_TRY(check_set_summary(m.sets[i], at.sub("sets", i)));
        if (!names.insert(m.sets[i].name).second) return at.sub("sets", i).sub("name").error("repeats an earlier set");
    }
    return check_time(m.prepared_at, at.sub("prepared_at"));
}

Status check_receipt_fields(const Receipt& r) {
    const Where at("receipt");
    BATON_TRY(check_deal(r.deal, at.sub("deal")));
    if (r.stage_number >= kMaxStages) return at.sub("stage_number").error("is beyond the last possible stage");
    BATON_TRY(check_stage_name(r.stage, at.sub("stage")));
    BATON_TRY(check_reason(r));
    return check_time(r.signed_at, at.sub("signed_at"));
}

Status check_key_release_fields(const KeyRelease& k) {
    const Where at("key_release");
    BATON_TRY(check_deal(k.deal, at.sub("deal")));
    if (k.stage_number >= kMaxStages) return at.sub("stage_number").error("is beyond the last possible stage");
    BATON_TRY(check_stage_name(k.stage, at.sub("stage")));
    return check_time(k.released_at, at.sub("released_at"));
}

Status check_checkpoint_fields(const Checkpoint& c) {
    const Where at("checkpoint");
    BATON_TRY(check_deal(c.deal, at.sub("deal")));
    if (c.tree_size < 1) return at.sub("tree_size").error("is 0 (a log holds at least its plan)");
    return check_time(c.signed_at, at.sub("signed_at"));
}

Status check_refusal_fields(const Refusal& r) {
    const Where at("refusal");
    BATON_TRY(check_deal(r.deal, at.sub("deal")));
    BATON_TRY(text::check_reason_code(r.reason_code, at.sub("reason_code")));
    if (r.reason_detail.size() > kMaxReasonBytes)
        return at.sub("reason_detail").error("is longer than " + std::to_string(kMaxReasonBytes) + " bytes");
    BATON_TRY(text::check_utf8(r.reason_detail, at.sub("reason_detail")));
    return check_time(r.signed_at, at.sub("signed_at"));
}

}  // namespace detail

Status validate_plan(const Plan& p) {
    BATON_TRY(detail::check_plan_fields(p));
    return check_body_size(encode_plan_body(p), "plan");
}

Status validate_countersign(const Countersign& c) {
    BATON_TRY(detail::check_countersign_fields(c));
    return check_body_size(encode_countersign_body(c), "countersign");
}

Status validate_manifest(const Manifest& m) {
    BATON_TRY(detail::check_manifest_fields(m));
    return check_body_size(encode_manifest_body(m), "manifest");
}

Status validate_receipt(const Receipt& r) {
    BATON_TRY(detail::check_receipt_fields(r));
    return check_body_size(encode_receipt_body(r), "receipt");
}

Status validate_key_release(const KeyRelease& k) {
    BATON_TRY(detail::check_key_release_fields(k));
    return check_body_size(encode_key_release_body(k), "key_release");
}

Status validate_checkpoint(const Checkpoint& c) {
    BATON_TRY(detail::check_checkpoint_fields(c));
    return check_body_size(encode_checkpoint_body(c), "checkpoint");
}

Status validate_refusal(const Refusal& r) {
    BATON_TRY(detail::check_refusal_fields(r));
    return check_body_size(encode_refusal_body(r), "refusal");
}

}  // namespace baton::handover
