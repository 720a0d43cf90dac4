#include "storage/record_store.h"

#include <cstring>

#include <nlohmann/json.hpp>

namespace baton::storage {

namespace {

// Hashes per record_key_hashes row: 1 MiB blobs, so a million keys take 16 rows.
constexpr size_t kHashesPerPart = 65536;

constexpr const char* kSetColumns =
    "id, name, schema_json, columns, import_id, records, rejected, digest, source_file, source_format, "
    "source_encoding, imported_at";

Error corrupt_set(std::string_view name, std::string_view what) {
    return verify_error("record set " + std::string(name) + " is corrupt: " + std::string(what));
}

Result<RecordSetInfo> read_set_row(const Statement& st) {
    RecordSetInfo s;
    s.id = st.column_int64(0);
    s.name = st.column_text(1);
    s.schema_json = st.column_text(2);
    auto cols = nlohmann::json::parse(st.column_text(3), nullptr, false);
    if (!cols.is_array() || cols.empty()) return corrupt_set(s.name, "bad column list");
    for (const auto& c : cols) {
        if (!c.is_string()) return corrupt_set(s.name, "bad column list");
        s.columns.push_back(c.get<std::string>());
    }
    Bytes id = st.column_blob(4), digest = st.column_blob(7);
    if (id.size() != s.import_id.size() || digest.size() != s.digest.size()) return corrupt_set(s.name, "bad id or digest");
    std::memcpy(s.import_id.data(), id.data(), id.size());
    std::memcpy(s.digest.data(), digest.data(), digest.size());
    const int64_t records = st.column_int64(5), rejected = st.column_int64(6);
    if (records < 0 || rejected < 0) return corrupt_set(s.name, "negative count");
    s.records = static_cast<uint64_t>(records);
    s.rejected = static_cast<uint64_t>(rejected);
    s.source_file = st.column_text(8);
    s.source_format = st.column_text(9);
    s.source_encoding = st.column_text(10);
    s.imported_at = st.column_int64(11);
    return s;
}

Status delete_set(Database& db, int64_t id) {
    for (const char* sql : {"DELETE FROM record_batches WHERE set_id = ?", "DELETE FROM record_key_hashes WHERE set_id = ?",
                            "DELETE FROM record_sets WHERE id = ?"}) {
        BATON_ASSIGN(auto st, db.prepare(sql));
        st.bind(1, id);
        BATON_TRY(st.run());
    }
    return ok_status();
}

Result<int64_t> insert_set_row(Database& db, const RecordSetInfo& s) {
    BATON_ASSIGN(auto st, db.prepare("INSERT INTO record_sets(name, schema_json, columns, import_id, records, rejected, "
                                     "digest, source_file, source_format, source_encoding, imported_at) "
                                     "VALUES(?, ?, ?, ?, 0, 0, ?, ?, ?, '', 0)"));
    st.bind(1, s.name).bind(2, s.schema_json).bind(3, nlohmann::json(s.columns).dump());
    st.bind_blob(4, s.import_id).bind_blob(5, s.digest).bind(6, s.source_file);
    st.bind(7, s.source_format);
    BATON_TRY(st.run());
    return db.last_insert_rowid();
}

}  // namespace

Result<std::vector<RecordSetInfo>> list_record_sets(Database& db) {
    BATON_ASSIGN(auto st, db.prepare(std::string("SELECT ") + kSetColumns + " FROM record_sets ORDER BY name"));
    std::vector<RecordSetInfo> out;
    for (;;) {
        BATON_ASSIGN(bool row, st.step());
        if (!row) return out;
        BATON_ASSIGN(auto s, read_set_row(st));
        out.push_back(std::move(s));
    }
}

Result<std::optional<RecordSetInfo>> find_record_set(Database& db, std::string_view name) {
    BATON_ASSIGN(auto st, db.prepare(std::string("SELECT ") + kSetColumns + " FROM record_sets WHERE name = ?"));
    st.bind(1, name);
    BATON_ASSIGN(bool row, st.step());
    if (!row) return std::optional<RecordSetInfo>();
    BATON_ASSIGN(auto s, read_set_row(st));
    return std::optional<RecordSetInfo>(std::move(s));
}

// ---- RecordSetWriter ---------------------------------------------------------------------------

RecordSetWriter::RecordSetWriter(Database& db, RecordSetInfo info, crypto::Key32 key, size_t field_count)
    : db_(&db), info_(std::move(info)), key_(std::move(key)), digest_(field_count) {}

Result<RecordSetWriter> RecordSetWriter::begin(Database& db, const crypto::Key32& storage_key, Params p, bool replace) {
    if (p.field_count == 0 || p.columns.size() != p.field_count) return internal_error("record set without fields");
    BATON_ASSIGN(auto existing, find_record_set(db, p.name));
    if (existing) {
        if (!replace) return conflict_error("record set " + p.name + " exists already");
        BATON_TRY(delete_set(db, existing->id));
    }
    RecordSetInfo info;
    info.name = p.name;
    info.schema_json = std::move(p.schema_json);
    info.columns = std::move(p.columns);
    crypto::random_bytes(info.import_id);
    info.source_file = std::move(p.source_file);
    info.source_format = std::move(p.source_format);
    BATON_ASSIGN(info.id, insert_set_row(db, info));
    RecordSetWriter w(db, std::move(info), derive_set_key(storage_key, p.name), p.field_count);
    BATON_ASSIGN(auto st, db.prepare("INSERT INTO record_batches(set_id, batch, records, nonce, ciphertext) "
                                     "VALUES(?, ?, ?, ?, ?)"));
    w.insert_ = std::make_unique<Statement>(std::move(st));
    return w;
}

Status RecordSetWriter::add(std::span<const FieldValue> row) {
    batch_.add(row);
    ++info_.records;
    return batch_.full() ? flush() : ok_status();
}

// Seals the current batch and inserts it as the next batch number.
Status RecordSetWriter::flush() {
    if (batch_.empty()) return ok_status();
    const uint64_t number = next_batch_++;
    crypto::Nonce24 nonce;
    crypto::random_bytes(nonce);
    digest_.update(batch_.records_bytes());
    const Bytes sealed = crypto::xchacha20poly1305_encrypt(key_, nonce, batch_associated_data(info_.name, info_.import_id, number),
                                                           batch_.plaintext());
    insert_->bind(1, info_.id).bind(2, static_cast<int64_t>(number)).bind(3, static_cast<int64_t>(batch_.records()));
    insert_->bind_blob(4, nonce).bind_blob(5, sealed);
    batch_.clear();
    return insert_->run();
}

Status RecordSetWriter::add_key_hashes(std::string_view field, const records::KeyHashSet& hashes) {
    BATON_ASSIGN(auto st, db_->prepare("INSERT INTO record_key_hashes(set_id, field, part, hashes) VALUES(?, ?, ?, ?)"));
    Bytes part;
    int64_t number = 0;
    Status failed;
    auto put = [&] {
        st.bind(1, info_.id).bind(2, field).bind(3, number++).bind_blob(4, part);
        if (failed.ok()) failed = st.run();
        part.clear();
    };
    part.reserve(kHashesPerPart * sizeof(records::KeyHash));
    hashes.for_each([&](const records::KeyHash& h) {
        part.insert(part.end(), h.begin(), h.end());
        if (part.size() == kHashesPerPart * sizeof(records::KeyHash)) put();
    });
    if (!part.empty() || number == 0) put();
    return failed;
}

Result<RecordSetInfo> RecordSetWriter::finish(uint64_t rejected, std::string source_encoding, UnixTime now) {
    BATON_TRY(flush());
    info_.rejected = rejected;
    info_.source_encoding = std::move(source_encoding);
    info_.digest = digest_.finish();
    info_.imported_at = now;
    BATON_ASSIGN(auto st, db_->prepare("UPDATE record_sets SET records = ?, rejected = ?, digest = ?, source_encoding = ?, "
                                       "imported_at = ? WHERE id = ?"));
    st.bind(1, static_cast<int64_t>(info_.records)).bind(2, static_cast<int64_t>(rejected));
    st.bind_blob(3, info_.digest).bind(4, info_.source_encoding).bind(5, now).bind(6, info_.id);
    BATON_TRY(st.run());
    return info_;
}

// ---- RecordSetReader ---------------------------------------------------------------------------

RecordSetReader::RecordSetReader(RecordSetInfo info, crypto::Key32 key, size_t fields, Statement st)
    : info_(std::move(info)), key_(std::move(key)), field_count_(fields),
      select_(std::make_unique<Statement>(std::move(st))), digest_(fields) {}

Result<RecordSetReader> RecordSetReader::open(Database& db, const crypto::Key32& storage_key, std::string_view name) {
    BATON_ASSIGN(auto found, find_record_set(db, name));
    if (!found) return conflict_error("no record set named " + std::string(name));
    BATON_ASSIGN(auto st, db.prepare("SELECT batch, records, nonce, ciphertext FROM record_batches WHERE set_id = ? "
                                     "ORDER BY batch"));
    st.bind(1, found->id);
    const size_t fields = found->columns.size();
    auto key = derive_set_key(storage_key, found->name);
    return RecordSetReader(std::move(*found), std::move(key), fields, std::move(st));
}

Result<bool> RecordSetReader::load_batch() {
    BATON_ASSIGN(bool row, select_->step());
    if (!row) return false;
    const int64_t number = select_->column_int64(0);
    if (number < 0 || static_cast<uint64_t>(number) != next_batch_)
        return corrupt_set(info_.name, "batch " + std::to_string(next_batch_) + " is missing");
    const Bytes nonce = select_->column_blob(2), sealed = select_->column_blob(3);
    if (nonce.size() != crypto::Nonce24().size() || sealed.size() > kMaxBatchPlaintext + crypto::kAeadTagSize)
        return corrupt_set(info_.name, "batch " + std::to_string(number) + " has a bad size");
    crypto::Nonce24 n;
    std::memcpy(n.data(), nonce.data(), n.size());
    auto plain = crypto::xchacha20poly1305_decrypt(key_, n, batch_associated_data(info_.name, info_.import_id, next_batch_), sealed);
    if (!plain) return corrupt_set(info_.name, "batch " + std::to_string(number) + " does not authenticate");
    auto decoded = BatchDecoder::parse(std::move(plain).value(), field_count_);
    if (!decoded) return decoded.error().context("record set " + info_.name + ", batch " + std::to_string(number));
    if (static_cast<int64_t>(decoded->records()) != select_->column_int64(1))
        return corrupt_set(info_.name, "batch " + std::to_string(number) + " has the wrong record count");
    digest_.update(decoded->records_bytes());
    batch_ = std::move(decoded).value();
    in_batch_ = 0;
    ++next_batch_;
    return true;
}

Status RecordSetReader::check_end() {
    if (seen_ != info_.records)
        return corrupt_set(info_.name, "holds " + std::to_string(seen_) + " records, expected " + std::to_string(info_.records));
    if (digest_.finish() != info_.digest) return corrupt_set(info_.name, "content digest does not match");
    return ok_status();
}

Result<bool> RecordSetReader::next(std::vector<FieldValue>& row) {
    while (!batch_ || in_batch_ == batch_->records()) {
        BATON_ASSIGN(bool more, load_batch());
        if (!more) {
            batch_.reset();
            BATON_TRY(check_end());
            return false;
        }
    }
    batch_->record(in_batch_++, row);
    ++seen_;
    return true;
}

// ---- key hashes --------------------------------------------------------------------------------

Result<records::KeyHashSet> load_key_hashes(Database& db, int64_t set_id, std::string_view field) {
    BATON_ASSIGN(auto st, db.prepare("SELECT hashes FROM record_key_hashes WHERE set_id = ? AND field = ? ORDER BY part"));
    st.bind(1, set_id).bind(2, field);
    records::KeyHashSet set;
    for (;;) {
        BATON_ASSIGN(bool row, st.step());
        if (!row) return set;
        const Bytes blob = st.column_blob(0);
        if (blob.size() % sizeof(records::KeyHash) != 0) return verify_error("stored key hashes are corrupt");
        for (size_t at = 0; at < blob.size(); at += sizeof(records::KeyHash)) {
            records::KeyHash h;
            std::memcpy(h.data(), blob.data() + at, h.size());
            set.insert(h);
        }
    }
}

}  // namespace baton::storage
