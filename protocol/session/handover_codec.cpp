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
        default: return input_error("session message of unknown kind");
    }
}

}  // namespace baton::session
