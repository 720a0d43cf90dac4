// handover_store.h: the seller's preparation of a stage.
//
// Every chunk's associated data binds the chunk count, which is known only once the whole
// plaintext has been produced, and no plaintext may be stored to wait for it. So the sets are
// read once into a SealedSpool (core/sealed_spool.h): masked, encoded and compressed batches,
// sealed under a key that exists only in memory, in a file with no name next to the database.
// Then the count is known, and the spool is read back and sealed into chunks. Memory holds one
// batch at a time; the spool needs about as much disk as the stage's chunks.
#include "core/sealed_spool.h"
#include "storage/decimal_sum.h"
#include "storage/handover_rows.h"
#include "storage/stage_chunks.h"
#include "storage/stage_schema.h"

namespace baton::storage {

namespace {

using records::MaskRule;

struct Progress {
    const PrepareProgress* callback;
    uint64_t total = 0;
    uint64_t done = 0;  // records masked, encoded and spooled

    void advance(uint64_t records, uint64_t sealed_bytes) {
        done += records;
        if (*callback) (*callback)(done, total, sealed_bytes);
    }
};

// Produces one set's batches into a sink, with its count and control totals.
class SetProducer {
public:
    SetProducer(const SentSet& s, uint32_t index, const records::Pseudonymizer* p, PlaintextSink& sink, Progress& progress)
        : s_(s), index_(index), pseudonymizer_(p), sink_(sink), progress_(progress), sent_(s.sent_fields.size()),
          masked_(s.sent_fields.size()) {
        for (size_t j : s.total_fields) sums_.emplace_back(s.sent.fields[j].scale);
    }
    ~SetProducer() {
        wipe_bytes(framed_);
        for (std::string& m : masked_) sodium_memzero(m.data(), m.size());
    }

    Status run(Database& db, const crypto::Key32& storage_key);
    uint64_t records() const { return records_; }
    std::vector<PreparedTotal> totals() const;

private:
    Status add(const std::vector<FieldValue>& row);
    Status flush();

    const SentSet& s_;
    uint32_t index_;
    const records::Pseudonymizer* pseudonymizer_;
    PlaintextSink& sink_;
    Progress& progress_;
    std::vector<FieldValue> sent_;
    std::vector<std::string> masked_;  // this record's masked values, by field as sent
    std::vector<DecimalSum> sums_;     // per total field
    StageBatchEncoder batch_;
    Bytes framed_;
    uint64_t records_ = 0;
};

Status SetProducer::run(Database& db, const crypto::Key32& storage_key) {
    BATON_ASSIGN(auto reader, RecordSetReader::open(db, storage_key, s_.info.name));
    std::vector<FieldValue> row;
    for (;;) {
        BATON_ASSIGN(bool more, reader.next(row));
        if (!more) return flush();
        BATON_TRY(add(row));
    }
}

Status SetProducer::add(const std::vector<FieldValue>& row) {
    for (size_t j = 0; j < s_.sent_fields.size(); ++j) {
        const size_t src = s_.sent_fields[j];
        const MaskRule rule = s_.rules[src];
        if (rule == MaskRule::keep || !row[src]) {
            sent_[j] = row[src];
            continue;
        }
        sodium_memzero(masked_[j].data(), masked_[j].size());
        masked_[j] = *records::apply_mask(rule, s_.source.fields[src].type, row[src], pseudonymizer_);
        sent_[j] = masked_[j];
    }
    ++records_;
    for (size_t k = 0; k < s_.total_fields.size(); ++k) {
        const FieldValue& v = sent_[s_.total_fields[k]];
        if (v && !v->empty() && !sums_[k].add(*v))
            return verify_error("set " + s_.info.name + ", record " + std::to_string(records_) + ", field '" +
                                s_.sent.fields[s_.total_fields[k]].name + "': a stored decimal value does not parse");
    }
    if (batch_.empty()) batch_.start(index_);
    batch_.add(sent_);
    return batch_.full() ? flush() : ok_status();
}

Status SetProducer::flush() {
    if (batch_.empty()) return ok_status();
    const uint32_t n = batch_.records();
    batch_.finish(framed_);
    BATON_TRY(sink_.write(framed_));
    progress_.advance(n, 0);
    return ok_status();
}

std::vector<PreparedTotal> SetProducer::totals() const {
    std::vector<PreparedTotal> out;
    for (size_t k = 0; k < s_.total_fields.size(); ++k) out.push_back({s_.sent.fields[s_.total_fields[k]].name, sums_[k].text()});
    return out;
}

struct Plan {
    std::vector<SentSet> sets;
    std::optional<records::Pseudonymizer> pseudonymizer;
    uint64_t records = 0;
};

Result<Plan> make_plan(Database& db, const PrepareRequest& req) {
    // One transaction: a failed preparation leaves no chunk behind, and chunks are not
    // committed (and fsynced) one by one.
    if (!db.in_transaction()) return internal_error("prepare_stage needs an open transaction");
    if (req.chunk_size < kMinChunkSize || req.chunk_size > kMaxChunkSize)
        return input_error("chunk size " + std::to_string(req.chunk_size) + " is outside " +
                           std::to_string(kMinChunkSize) + ".." + std::to_string(kMaxChunkSize));
    BATON_ASSIGN(auto existing, find_stage(db, req.deal, req.stage_number));
    if (existing) return conflict_error(stage_label(req.deal, req.stage_number) + " exists already");
    Plan plan;
    bool pseudonymizes = false;
    for (const PrepareSet& ps : req.sets) {
        for (const SentSet& s : plan.sets)
            if (s.info.name == ps.name) return input_error("set " + ps.name + " is twice in stage " + req.stage);
        BATON_ASSIGN(auto s, plan_sent_set(db, ps));
        pseudonymizes = pseudonymizes || s.pseudonymizes;
        plan.records += s.info.records;
        plan.sets.push_back(std::move(s));
    }
    if (pseudonymizes && !req.pseudonym_key) return internal_error("a pseudonymize rule without the deal's pseudonym key");
    if (req.pseudonym_key) plan.pseudonymizer.emplace(*req.pseudonym_key);
    return plan;
}

// One pass over every set into `sink`; fills the sets' counts and totals.
Status produce(Database& db, const crypto::Key32& storage_key, const Plan& plan, PlaintextSink& sink,
               Progress& progress, std::vector<PreparedSet>& out) {
    out.clear();
    const records::Pseudonymizer* p = plan.pseudonymizer ? &*plan.pseudonymizer : nullptr;
    for (size_t i = 0; i < plan.sets.size(); ++i) {
        const SentSet& s = plan.sets[i];
        SetProducer producer(s, static_cast<uint32_t>(i), p, sink, progress);
        BATON_TRY(producer.run(db, storage_key));
        out.push_back({s.info.name, s.schema_json, s.columns, producer.records(), producer.totals(), s.masks});
    }
    return ok_status();
}

Status insert_stage_row(Database& db, const PrepareRequest& req, const PreparedStage& st, const Bytes& hashes,
                        UnixTime now) {
    BATON_ASSIGN(auto ins, db.prepare("INSERT INTO handover_stages(deal, stage_number, name, state, chunk_count, chunk_size, "
                                      "chunk_hashes, ciphertext_bytes, plaintext_bytes, created_at, updated_at) "
                                      "VALUES(?, ?, ?, 'prepared', ?, ?, ?, ?, ?, ?, ?)"));
    ins.bind(1, req.deal).bind(2, static_cast<int64_t>(req.stage_number)).bind(3, req.stage);
    ins.bind(4, static_cast<int64_t>(st.chunk_count)).bind(5, static_cast<int64_t>(st.chunk_size)).bind_blob(6, hashes);
    ins.bind(7, static_cast<int64_t>(st.ciphertext_bytes)).bind(8, static_cast<int64_t>(st.plaintext_bytes));
    ins.bind(9, now).bind(10, now);
    return ins.run();
}

// Appends every batch to a spool and counts the plaintext's bytes.
class SpoolSink final : public PlaintextSink {
public:
    explicit SpoolSink(SealedSpool& spool) : spool_(spool) {}
    Status write(ByteView plaintext) override { return spool_.append(plaintext); }

private:
    SealedSpool& spool_;
};

// Reads the spool back into `writer`, in order.
Status seal_spool(SealedSpool& spool, ChunkWriter& writer, Progress& progress) {
    Bytes batch;
    for (;;) {
        BATON_ASSIGN(bool more, spool.read(batch));  // wipes what `batch` held first
        if (!more) return ok_status();
        const Status st = writer.write(batch);
        wipe_bytes(batch);
        BATON_TRY(st);
        progress.advance(0, writer.ciphertext_bytes());
    }
}

}  // namespace

Result<PreparedStage> prepare_stage(Database& db, const crypto::Key32& storage_key, const PrepareRequest& req,
                                    const PrepareProgress& progress, UnixTime now) {
    BATON_ASSIGN(auto plan, make_plan(db, req));
    Progress prog{&progress, plan.records};
    PreparedStage out;
    BATON_ASSIGN(auto spool, SealedSpool::create(db.directory()));
    SpoolSink spooler(spool);
    BATON_TRY(produce(db, storage_key, plan, spooler, prog, out.sets));
    const auto count = chunk_count_for(spool.bytes(), req.chunk_size);
    if (!count) return input_error("stage " + req.stage + " would need more than 2^32 chunks; use larger chunks");
    crypto::Key32 content_key = crypto::random_secret<32>();
    ChunkWriter writer(db, req.deal, req.stage_number, req.chunk_size, *count, content_key.clone());
    BATON_TRY(seal_spool(spool, writer, prog));
    BATON_TRY(writer.finish());
    out.chunk_size = req.chunk_size;
    out.chunk_count = *count;
    out.ciphertext_bytes = writer.ciphertext_bytes();
    out.plaintext_bytes = writer.plaintext_bytes();
    const Bytes root = writer.merkle_root();
    std::copy(root.begin(), root.end(), out.merkle_root.begin());
    out.plaintext_digest = writer.plaintext_digest();
    BATON_TRY(insert_stage_row(db, req, out, writer.leaf_hashes(), now));
    BATON_TRY(save_content_key(db, storage_key, req.deal, req.stage_number, content_key));
    return out;
}

}  // namespace baton::storage
