#include "protocol/session/handover_codec.h"

#include <algorithm>
#include <limits>

#include "protocol/handover/statements.h"

namespace baton::session {

namespace {

namespace ho = handover;

// An encoded statement envelope, checked for size only: the receiver decodes and verifies it.
Result<Bytes> statement_field(const std::string& raw, const char* what) {
    if (raw.empty() || raw.size() > ho::kMaxStatementBytes)
        return input_error(std::string(what) + " must be 1 to " + std::to_string(ho::kMaxStatementBytes) +
                           " bytes, got " + std::to_string(raw.size()));
    return to_bytes(raw);
}

Status check_stage_number(uint32_t n, const char* what) {
    if (n >= ho::kMaxStages) return input_error(std::string(what) + ".stage_number is beyond the last possible stage");
    return ok_status();
}

// ---- encoding ----------------------------------------------------------------------------------

void put_bytes(std::string* out, ByteView b) { out->assign(reinterpret_cast<const char*>(b.data()), b.size()); }

struct Encoder {
    wire::SessionMessage& w;

    void operator()(const ho::PlanPropose& m) const { put_bytes(w.mutable_plan_propose()->mutable_plan(), m.plan); }
    void operator()(const ho::PlanAgree& m) const {
        put_bytes(w.mutable_plan_agree()->mutable_countersign(), m.countersign);
    }
    void operator()(const ho::StageOffer& m) const {
        put_bytes(w.mutable_stage_offer()->mutable_manifest(), m.manifest);
    }
    void operator()(const ho::StageQuery& m) const { w.mutable_stage_query()->set_stage_number(m.stage_number); }
    void operator()(const ho::StageStatus& m) const {
        auto* s = w.mutable_stage_status();
        s->set_stage_number(m.stage_number);
        s->set_phase(static_cast<wire::StagePhase>(m.phase));
        s->set_chunks_held(m.chunks_held);
        for (const auto& r : m.receipts) put_bytes(s->add_receipts(), r);
    }
    void operator()(const ho::ChunkHashes& m) const {
        auto* h = w.mutable_chunk_hashes();
        h->set_stage_number(m.stage_number);
        h->set_first(m.first);
        for (const auto& d : m.hashes) put_bytes(h->add_hashes(), d);
    }
    void operator()(const ho::ChunkPart& m) const {
        auto* p = w.mutable_chunk_part();
        p->set_stage_number(m.stage_number);
        p->set_index(m.index);
        p->set_offset(m.offset);
        put_bytes(p->mutable_data(), m.data);
        p->set_last(m.last);
    }
    void operator()(const ho::ChunkAck& m) const {
        w.mutable_chunk_ack()->set_stage_number(m.stage_number);
        w.mutable_chunk_ack()->set_held(m.held);
    }
    void operator()(const ho::ReceiptMessage& m) const { put_bytes(w.mutable_receipt()->mutable_receipt(), m.receipt); }
    void operator()(const ho::KeyReleaseMessage& m) const {
        put_bytes(w.mutable_key_release()->mutable_statement(), m.statement);
        put_bytes(w.mutable_key_release()->mutable_sealed_key(), m.sealed_key);
    }
    void operator()(const witness::WitnessSubmit& m) const {
        put_bytes(w.mutable_witness_submit()->mutable_statement(), m.statement);
        w.mutable_witness_submit()->set_known_size(m.known_size);
    }
    void operator()(const witness::WitnessReply& m) const {
        auto* r = w.mutable_witness_reply();
        r->set_outcome(static_cast<wire::SubmitOutcome>(m.outcome));
        r->set_index(m.index);
        put_bytes(r->mutable_refusal(), m.refusal);
        put_bytes(r->mutable_checkpoint(), m.checkpoint);
        for (const auto& h : m.inclusion) put_bytes(r->add_inclusion(), h);
        for (const auto& h : m.consistency) put_bytes(r->add_consistency(), h);
    }
    void operator()(const witness::CheckpointNotice& m) const {
        put_bytes(w.mutable_checkpoint_notice()->mutable_checkpoint(), m.checkpoint);
    }
    // The session's own messages are encoded by codec.cpp.
    void operator()(const Welcome&) const {}
    void operator()(const Refusal&) const {}
    void operator()(const Ping&) const {}
    void operator()(const Pong&) const {}
};

// ---- decoding ----------------------------------------------------------------------------------

Result<ho::StagePhase> phase_from(int p) {
    if (p < static_cast<int>(ho::StagePhase::unknown) || p > static_cast<int>(ho::StagePhase::rejected))
        return input_error("stage_status.phase is unknown (" + std::to_string(p) + ")");
    return static_cast<ho::StagePhase>(p);
}

Result<SessionMessage> stage_status_from(const wire::StageStatus& w) {
    BATON_TRY(check_stage_number(w.stage_number(), "stage_status"));
    BATON_ASSIGN(auto phase, phase_from(w.phase()));
    if (static_cast<size_t>(w.receipts_size()) > ho::kMaxReceiptsInStatus)
        return input_error("stage_status.receipts holds more than " + std::to_string(ho::kMaxReceiptsInStatus));
    ho::StageStatus s{w.stage_number(), phase, w.chunks_held(), {}};
    for (const auto& r : w.receipts()) {
        BATON_ASSIGN(auto receipt, statement_field(r, "stage_status.receipts[]"));
        s.receipts.push_back(std::move(receipt));
    }
    return SessionMessage(std::move(s));
}

Result<SessionMessage> chunk_hashes_from(const wire::ChunkHashes& w) {
    BATON_TRY(check_stage_number(w.stage_number(), "chunk_hashes"));
    const auto n = static_cast<size_t>(w.hashes_size());
    if (n == 0 || n > ho::kMaxHashesPerMessage)
        return input_error("chunk_hashes.hashes must hold 1 to " + std::to_string(ho::kMaxHashesPerMessage) +
                           " hashes, got " + std::to_string(n));
    if (uint64_t{w.first()} + n - 1 > std::numeric_limits<uint32_t>::max())
        return input_error("chunk_hashes.first is too large for its hashes");
    ho::ChunkHashes h{w.stage_number(), w.first(), {}};
    h.hashes.reserve(n);
    for (int i = 0; i < w.hashes_size(); ++i) {
        const std::string& raw = w.hashes(i);
        if (raw.size() != 32)
            return input_error("chunk_hashes.hashes[" + std::to_string(i) + "] must be 32 bytes, got " +
                               std::to_string(raw.size()));
        crypto::Digest32 d;
        std::copy(raw.begin(), raw.end(), d.begin());
        h.hashes.push_back(d);
    }
    return SessionMessage(std::move(h));
}

Result<SessionMessage> chunk_part_from(const wire::ChunkPart& w) {
    BATON_TRY(check_stage_number(w.stage_number(), "chunk_part"));
    const size_t n = w.data().size();
    if (n > ho::kMaxChunkPart)
        return input_error("chunk_part.data is larger than " + std::to_string(ho::kMaxChunkPart) + " bytes");
    if (n == 0 && !(w.last() && w.offset() == 0))
        return input_error("chunk_part.data is empty but not the only piece of an empty chunk");
    if (uint64_t{w.offset()} + n > std::numeric_limits<uint32_t>::max())
        return input_error("chunk_part.offset reaches past 2^32");
    return SessionMessage(ho::ChunkPart{w.stage_number(), w.index(), w.offset(), to_bytes(w.data()), w.last()});
}

Result<SessionMessage> key_release_from(const wire::KeyReleaseMessage& w) {
    BATON_ASSIGN(auto statement, statement_field(w.statement(), "key_release.statement"));
    const size_t n = w.sealed_key().size();
    if (n < crypto::kSealOverhead || n > ho::kMaxSealedKeyBytes)
        return input_error("key_release.sealed_key must be " + std::to_string(crypto::kSealOverhead) + " to " +
                           std::to_string(ho::kMaxSealedKeyBytes) + " bytes, got " + std::to_string(n));
    return SessionMessage(ho::KeyReleaseMessage{std::move(statement), to_bytes(w.sealed_key())});
}

Result<std::vector<Bytes>> proof_from(const google::protobuf::RepeatedPtrField<std::string>& raw, const char* what) {
    if (static_cast<size_t>(raw.size()) > witness::kMaxProofHashes)
        return input_error(std::string(what) + " holds more than " + std::to_string(witness::kMaxProofHashes) + " hashes");
    std::vector<Bytes> out;
    for (int i = 0; i < raw.size(); ++i) {
        if (raw.Get(i).size() != 32)
            return input_error(std::string(what) + "[" + std::to_string(i) + "] must be 32 bytes, got " +
                               std::to_string(raw.Get(i).size()));
        out.push_back(to_bytes(raw.Get(i)));
    }
    return out;
}

Result<SessionMessage> witness_reply_from(const wire::WitnessReply& w) {
    witness::WitnessReply r;
    const int outcome = w.outcome();
    if (outcome < static_cast<int>(witness::SubmitOutcome::appended) ||
        outcome > static_cast<int>(witness::SubmitOutcome::refused))
        return input_error("witness_reply.outcome is unknown (" + std::to_string(outcome) + ")");
    r.outcome = static_cast<witness::SubmitOutcome>(outcome);
    r.index = w.index();
    if (r.outcome == witness::SubmitOutcome::refused) {
        BATON_ASSIGN(r.refusal, statement_field(w.refusal(), "witness_reply.refusal"));
    } else if (!w.refusal().empty()) {
        return input_error("witness_reply.refusal is set on a reply that is not a refusal");
    }
    BATON_ASSIGN(r.checkpoint, statement_field(w.checkpoint(), "witness_reply.checkpoint"));
    BATON_ASSIGN(r.inclusion, proof_from(w.inclusion(), "witness_reply.inclusion"));
    BATON_ASSIGN(r.consistency, proof_from(w.consistency(), "witness_reply.consistency"));
    return SessionMessage(std::move(r));
}

template <typename Message>
Result<SessionMessage> statement_message(const std::string& raw, const char* what) {
    BATON_ASSIGN(auto statement, statement_field(raw, what));
    return SessionMessage(Message{std::move(statement)});
}

}  // namespace

void handover_to(const SessionMessage& m, wire::SessionMessage& out) { std::visit(Encoder{out}, m); }

Result<SessionMessage> handover_from(const wire::SessionMessage& w) {
    using W = wire::SessionMessage;
    switch (w.kind_case()) {
        case W::kPlanPropose: return statement_message<ho::PlanPropose>(w.plan_propose().plan(), "plan_propose.plan");
        case W::kPlanAgree:
            return statement_message<ho::PlanAgree>(w.plan_agree().countersign(), "plan_agree.countersign");
        case W::kStageOffer:
            return statement_message<ho::StageOffer>(w.stage_offer().manifest(), "stage_offer.manifest");
        case W::kStageQuery:
            BATON_TRY(check_stage_number(w.stage_query().stage_number(), "stage_query"));
            return SessionMessage(ho::StageQuery{w.stage_query().stage_number()});
        case W::kStageStatus: return stage_status_from(w.stage_status());
        case W::kChunkHashes: return chunk_hashes_from(w.chunk_hashes());
        case W::kChunkPart: return chunk_part_from(w.chunk_part());
        case W::kChunkAck:
            BATON_TRY(check_stage_number(w.chunk_ack().stage_number(), "chunk_ack"));
            return SessionMessage(ho::ChunkAck{w.chunk_ack().stage_number(), w.chunk_ack().held()});
        case W::kReceipt: return statement_message<ho::ReceiptMessage>(w.receipt().receipt(), "receipt.receipt");
        case W::kKeyRelease: return key_release_from(w.key_release());
        case W::kWitnessSubmit: {
            BATON_ASSIGN(auto statement, statement_field(w.witness_submit().statement(), "witness_submit.statement"));
            return SessionMessage(witness::WitnessSubmit{std::move(statement), w.witness_submit().known_size()});
        }
        case W::kWitnessReply: return witness_reply_from(w.witness_reply());
        case W::kCheckpointNotice:
            return statement_message<witness::CheckpointNotice>(w.checkpoint_notice().checkpoint(),
                                                                "checkpoint_notice.checkpoint");
        default: return input_error("session message of unknown kind");
    }
}

}  // namespace baton::session
