// handover_store.h: StageSetReader, one set's records out of a stage's chunks (for export).
#include "storage/handover_rows.h"
#include "storage/stage_chunks.h"
#include "storage/stage_schema.h"

namespace baton::storage {

struct StageSetReader::Impl {
    std::string label;             // "deal D, stage N, set S", for messages
    ReceivedSet set;
    std::vector<std::string> columns;
    uint32_t set_index;
    StagePlaintextReader chunks;
    Bytes bytes;
    StageBatch batch;
    uint32_t in_batch = 0;
    bool done = false;
    std::vector<FieldValue> fields;  // the current record in schema order

    ~Impl() { wipe_bytes(bytes); }
    Result<bool> load_batch();
};

StageSetReader::StageSetReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StageSetReader::~StageSetReader() = default;
StageSetReader::StageSetReader(StageSetReader&&) noexcept = default;

Result<StageSetReader> StageSetReader::open(Database& db, const crypto::Key32& storage_key, std::string_view deal,
                                            uint32_t stage_number, const CheckSet& set, uint32_t set_index,
                                            uint32_t chunk_size) {
    const std::string label = stage_label(deal, stage_number) + ", set " + set.name;
    BATON_ASSIGN(auto row, require_stage(db, deal, stage_number));
    if (chunk_size < kMinChunkSize || chunk_size > kMaxChunkSize || row.chunk_count == 0)
        return verify_error(label + ": bad chunk size or count");
    auto received = parse_received_set(set);
    if (!received) return verify_error(received.error().message());
    BATON_ASSIGN(auto key, load_content_key(db, storage_key, deal, stage_number));
    BATON_ASSIGN(auto chunks, StagePlaintextReader::open(db, deal, stage_number, key, chunk_size, row.chunk_count));
    auto impl = std::unique_ptr<Impl>(new Impl{label, std::move(received).value(), set.columns, set_index,
                                               std::move(chunks), {}, {}, 0, false, {}});
    return StageSetReader(std::move(impl));
}

const std::vector<std::string>& StageSetReader::columns() const { return impl_->columns; }

// Loads the set's next batch, skipping other sets' batches: false after its last one.
Result<bool> StageSetReader::Impl::load_batch() {
    for (;;) {
        BATON_ASSIGN(auto step, chunks.next(bytes));
        if (step == StagePlaintextReader::Step::end) return false;
        if (step == StagePlaintextReader::Step::fault)
            return verify_error(label + ": " + chunks.fault().code + ": " + chunks.fault().detail);
        if (auto bad = batch.parse(bytes)) return verify_error(label + ": " + bad->code + ": " + bad->detail);
        if (batch.set() > set_index) return false;  // sets come in order: this one is over
        if (batch.set() < set_index) continue;
        if (!batch.fields_are(set.schema.fields.size()))
            return verify_error(label + ": a record of the wrong number of fields");
        in_batch = 0;
        return true;
    }
}

Result<bool> StageSetReader::next(std::vector<records::FieldValue>& row) {
    Impl& m = *impl_;
    while (!m.done && m.in_batch == m.batch.records()) {
        BATON_ASSIGN(bool more, m.load_batch());
        m.done = !more;
    }
    if (m.done) return false;
    m.batch.record(m.in_batch++, m.fields);
    row.resize(m.set.column_fields.size());
    for (size_t c = 0; c < row.size(); ++c) row[c] = m.fields[m.set.column_fields[c]];
    return true;
}

}  // namespace baton::storage
