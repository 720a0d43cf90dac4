// baton-test-forge — TEST TOOL ONLY, never shipped: corrupts a stage the seller has PREPARED but
// not yet pushed, the way a faulty or dishonest seller's store would hold it, so the end-to-end
// tests can check that the buyer rejects it (tests/handover/handover_tamper_test.cpp).
//
//   baton-test-forge --home H --deal D --stage N chunk-byte --index I
//       flips one byte in the middle of chunk I's stored ciphertext; the stored chunk hashes (and
//       so the manifest's Merkle root) stay as they were: the buyer sees a chunk that does not
//       match its manifest hash.
//   baton-test-forge --home H --deal D --stage N manifest-count --set NAME
//       adds 1 to that set's record count in the signed manifest and signs it again with the
//       seller's identity key: a well-signed manifest whose count the data does not meet.
//   baton-test-forge --home H --deal D --stage N content-key
//       replaces the stage's sealed content key by a fresh random one (sealed as storage seals
//       it), which the seller will then release: the chunks do not decrypt under it.
//   baton-test-forge --home H --deal D --stage N chunk-hash --index I
//       flips one byte of the seller's stored hash of chunk I: the hash list the seller sends no
//       longer leads to the manifest's Merkle root. Running it again restores the hash.
//   baton-test-forge --home H --deal D plan
//       gives the seller's plan a fresh random plan id, signs it again with the seller's identity
//       key and forgets the buyer's countersignature: a well-signed plan other than the one the
//       buyer agreed to. Needs no --stage and no prepared stage.
//
// --after-push (any of the above): forge a stage that was offered already (any state), as a seller
// would that offers a second, different manifest for it (tests/handover/witness_e2e_test.cpp).
//
// N is the stage's number as `baton status` shows it (1 = the first stage); I counts from 0. The
// home must have been created with --no-passphrase. Prints a JSON summary; exits 0 when done,
// 1 on any failure (with a message on stderr), 2 on bad usage.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "agent/home.h"
#include "protocol/handover/statements.h"
#include "storage/handover_store.h"

namespace {

using namespace baton;

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(stderr,
                 "baton-test-forge: %s\n"
                 "usage: baton-test-forge --home H --deal D (--stage N (chunk-byte --index I | chunk-hash --index I | "
                 "manifest-count --set NAME | content-key) | plan)\n",
                 why.c_str());
    std::exit(2);
}

uint32_t number(const std::string& what, const std::string& v) {
    char* end = nullptr;
    const unsigned long n = std::strtoul(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || n > 1000000) usage(what + " wants a number, not '" + v + "'");
    return static_cast<uint32_t>(n);
}

struct Args {
    std::string home, deal, how, set;
    uint32_t stage = 0, index = 0;
    bool have_stage = false, have_index = false;
    bool after_push = false;
};

// chunk-byte: one byte of chunk `index`, in the middle, flipped in place.
Result<std::string> flip_chunk_byte(storage::Database& db, const Args& a, uint32_t n) {
    BATON_ASSIGN(Bytes chunk, storage::read_chunk(db, a.deal, n, a.index));
    if (chunk.empty()) return conflict_error("chunk " + std::to_string(a.index) + " is empty");
    const size_t at = chunk.size() / 2;
    chunk[at] ^= 0x5a;
    BATON_ASSIGN(auto st, db.prepare("UPDATE handover_chunks SET ciphertext = ? WHERE deal = ? AND stage_number = ? AND idx = ?"));
    st.bind_blob(1, chunk).bind(2, a.deal).bind(3, static_cast<int64_t>(n)).bind(4, static_cast<int64_t>(a.index));
    BATON_TRY(st.run());
    return "\"index\":" + std::to_string(a.index) + ",\"offset\":" + std::to_string(at) + ",\"chunk_bytes\":" +
           std::to_string(chunk.size());
}

// manifest-count: the set's record count + 1, re-signed by the seller and stored over the old one.
Result<std::string> bump_count(storage::Database& db, const certs::AgentKeys& keys, const storage::StageRow& row,
                               const Args& a) {
    if (!row.manifest) return conflict_error("the stage has no manifest");
    BATON_ASSIGN(auto env, handover::decode_signed(*row.manifest));
    BATON_ASSIGN(auto m, handover::open_manifest(env));
    handover::SetSummary* set = nullptr;
    for (auto& s : m.sets)
        if (s.name == a.set) set = &s;
    if (!set) return conflict_error("the stage's manifest has no set '" + a.set + "'");
    const uint64_t was = set->records++;
    const Bytes signed_bytes = handover::encode_signed(handover::sign_manifest(m, keys.identity));
    BATON_ASSIGN(auto st, db.prepare("UPDATE handover_stages SET manifest = ? WHERE deal = ? AND stage_number = ?"));
    st.bind_blob(1, signed_bytes).bind(2, a.deal).bind(3, static_cast<int64_t>(row.stage_number));
    BATON_TRY(st.run());
    return "\"set\":\"" + a.set + "\",\"records_were\":" + std::to_string(was) + ",\"records_now\":" +
           std::to_string(was + 1);
}

// content-key: the sealed key cleared, then a fresh random key sealed by storage's own code.
Result<std::string> replace_key(storage::Database& db, const certs::AgentKeys& keys, const Args& a, uint32_t n) {
    BATON_ASSIGN(auto old_key, storage::load_content_key(db, keys.storage_key, a.deal, n));
    BATON_ASSIGN(auto st, db.prepare("UPDATE handover_stages SET content_key = NULL WHERE deal = ? AND stage_number = ?"));
    st.bind(1, a.deal).bind(2, static_cast<int64_t>(n));
    BATON_TRY(st.run());
    const crypto::Key32 fresh = crypto::random_secret<32>();
    if (fresh.equals(old_key)) return internal_error("the random key equals the old one");
    BATON_TRY(storage::save_content_key(db, keys.storage_key, a.deal, n, fresh));
    BATON_ASSIGN(auto check, storage::load_content_key(db, keys.storage_key, a.deal, n));
    if (!check.equals(fresh)) return internal_error("the new content key does not read back");
    return std::string("\"content_key\":\"replaced\"");
}

// chunk-hash: one byte of the seller's stored hash of chunk `index` flipped (an involution).
Result<std::string> flip_chunk_hash(storage::Database& db, const Args& a, uint32_t n) {
    BATON_ASSIGN(auto hashes, storage::load_chunk_hashes(db, a.deal, n));
    if (a.index >= hashes.size()) return conflict_error("the stage has no chunk " + std::to_string(a.index));
    Bytes blob;
    for (auto& h : hashes) append(blob, h);
    blob[32 * size_t{a.index} + 7] ^= 0x01;
    BATON_ASSIGN(auto st, db.prepare("UPDATE handover_stages SET chunk_hashes = ? WHERE deal = ? AND stage_number = ?"));
    st.bind_blob(1, blob).bind(2, a.deal).bind(3, static_cast<int64_t>(n));
    BATON_TRY(st.run());
    return "\"index\":" + std::to_string(a.index);
}

// plan: the seller's plan with a fresh plan id, re-signed, stored over the old one uncountersigned.
Result<std::string> replace_plan(storage::Database& db, const certs::AgentKeys& keys, const Args& a) {
    BATON_ASSIGN(auto stored, storage::find_plan(db, a.deal));
    if (!stored || stored->role != "seller") return conflict_error("this home holds no seller's plan for deal " + a.deal);
    BATON_ASSIGN(auto env, handover::decode_signed(stored->plan));
    BATON_ASSIGN(auto plan, handover::open_plan(env));
    crypto::random_bytes(plan.plan_id);
    const handover::Signed forged = handover::sign_plan(plan, keys.identity);
    const auto hash = handover::statement_hash(forged);
    BATON_ASSIGN(auto st, db.prepare("UPDATE handover_plans SET plan = ?, plan_hash = ?, countersign = NULL WHERE deal = ?"));
    st.bind_blob(1, handover::encode_signed(forged)).bind_blob(2, hash).bind(3, a.deal);
    BATON_TRY(st.run());
    return "\"plan_hash_was\":\"" + to_hex(stored->plan_hash) + "\",\"plan_hash_now\":\"" + to_hex(hash) + "\"";
}

Result<std::string> forge_stage(storage::Database& db, const certs::AgentKeys& keys, const Args& a) {
    const uint32_t n = a.stage - 1;
    BATON_ASSIGN(auto row, storage::find_stage(db, a.deal, n));
    if (!row) return conflict_error("deal " + a.deal + " has no prepared stage " + std::to_string(a.stage));
    if (row->state != "prepared" && !a.after_push)
        return conflict_error("stage " + std::to_string(a.stage) + " is " + row->state + ", not prepared: forge before the push");
    Result<std::string> what = a.how == "chunk-byte"       ? flip_chunk_byte(db, a, n)
                               : a.how == "chunk-hash"     ? flip_chunk_hash(db, a, n)
                               : a.how == "manifest-count" ? bump_count(db, keys, *row, a)
                                                           : replace_key(db, keys, a, n);
    if (!what) return what.error();
    return "\"stage\":" + std::to_string(a.stage) + ",\"chunks\":" + std::to_string(row->chunk_count) + "," + *what;
}

Result<std::string> forge(const Args& a) {
    BATON_ASSIGN(auto home, agent::Home::open(a.home));
    agent::Context ctx;  // no passphrase: the home was created with --no-passphrase
    BATON_ASSIGN(auto keys, home.unlock(ctx));
    storage::Database& db = home.db();
    BATON_ASSIGN(auto tx, storage::Transaction::begin(db));
    Result<std::string> what = a.how == "plan" ? replace_plan(db, keys, a) : forge_stage(db, keys, a);
    if (!what) return what.error();
    BATON_TRY(tx.commit());
    return "{\"forged\":\"" + a.how + "\",\"deal\":\"" + a.deal + "\"," + *what + "}";
}

}  // namespace

int main(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "chunk-byte" || arg == "chunk-hash" || arg == "manifest-count" || arg == "content-key" || arg == "plan") {
            if (!a.how.empty()) usage("one corruption at a time");
            a.how = arg;
            continue;
        }
        if (arg == "--after-push") {
            a.after_push = true;
            continue;
        }
        if (i + 1 >= argc) usage("missing the value of " + std::string(arg));
        const std::string v = argv[++i];
        if (arg == "--home") a.home = v;
        else if (arg == "--deal") a.deal = v;
        else if (arg == "--stage") a.stage = number("--stage", v), a.have_stage = true;
        else if (arg == "--index") a.index = number("--index", v), a.have_index = true;
        else if (arg == "--set") a.set = v;
        else usage("unknown option " + std::string(arg));
    }
    if (a.how.empty()) usage("say which corruption: chunk-byte, chunk-hash, manifest-count, content-key or plan");
    if (a.home.empty() || a.deal.empty()) usage("--home and --deal are required");
    if ((a.how != "plan") != (a.have_stage && a.stage > 0)) usage("--stage (from 1) goes with every corruption but plan");
    if ((a.how == "chunk-byte" || a.how == "chunk-hash") != a.have_index)
        usage("--index goes with chunk-byte and chunk-hash, and only there");
    if ((a.how == "manifest-count") != !a.set.empty()) usage("--set goes with manifest-count, and only there");
    const auto done = forge(a);
    if (!done) {
        std::fprintf(stderr, "baton-test-forge: %s\n", done.error().message().c_str());
        return 1;
    }
    std::printf("%s\n", done->c_str());
    return 0;
}
