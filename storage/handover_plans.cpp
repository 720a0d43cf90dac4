// handover_store.h: plans and countersignatures, receipts, key releases. Statements are stored as
// the exact bytes given; identical bytes make a repeated save a no-op (resumed sessions repeat
// them), different bytes are a conflict.
#include <algorithm>
#include <cstring>

#include "storage/handover_store.h"

namespace baton::storage {

namespace {

bool same_bytes(ByteView a, ByteView b) { return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin()); }

std::string stage_name(std::string_view deal, uint32_t stage_number) {
    return "deal " + std::string(deal) + ", stage " + std::to_string(stage_number);
}

Result<StoredPlan> read_plan_row(const Statement& st) {
    StoredPlan p;
    p.deal = st.column_text(0);
    p.role = st.column_text(1);
    p.plan = st.column_blob(2);
    const Bytes hash = st.column_blob(3);
    if (hash.size() != p.plan_hash.size()) return verify_error("stored plan of deal " + p.deal + " has a bad hash");
    std::memcpy(p.plan_hash.data(), hash.data(), hash.size());
    if (!st.column_is_null(4)) p.countersign = st.column_blob(4);
    p.created_at = st.column_int64(5);
    return p;
}

}  // namespace

// ---- plans -------------------------------------------------------------------------------------

Status save_plan(Database& db, const StoredPlan& plan) {
    if (plan.role != "seller" && plan.role != "buyer") return internal_error("plan role '" + plan.role + "'");
    BATON_ASSIGN(auto existing, find_plan(db, plan.deal));
    if (existing) return conflict_error("deal " + plan.deal + " has a plan already");
    BATON_ASSIGN(auto st, db.prepare("INSERT INTO handover_plans(deal, role, plan, plan_hash, countersign, created_at) "
                                     "VALUES(?, ?, ?, ?, ?, ?)"));
    st.bind(1, plan.deal).bind(2, plan.role).bind_blob(3, plan.plan).bind_blob(4, plan.plan_hash);
    if (plan.countersign) st.bind_blob(5, *plan.countersign);
    else st.bind_null(5);
    st.bind(6, plan.created_at);
    return st.run();
}

Result<std::optional<StoredPlan>> find_plan(Database& db, std::string_view deal) {
    BATON_ASSIGN(auto st, db.prepare("SELECT deal, role, plan, plan_hash, countersign, created_at FROM handover_plans "
                                     "WHERE deal = ?"));
    st.bind(1, deal);
    BATON_ASSIGN(bool row, st.step());
    if (!row) return std::optional<StoredPlan>();
    BATON_ASSIGN(auto p, read_plan_row(st));
    return std::optional<StoredPlan>(std::move(p));
}

std::vector<std::string> list_plan_deals(Database& db) {
    std::vector<std::string> out;
    auto st = db.prepare("SELECT deal FROM handover_plans ORDER BY deal");
    if (!st) return out;
    for (;;) {
        auto row = st->step();
        if (!row || !*row) return out;
        out.push_back(st->column_text(0));
    }
}

Status save_countersign(Database& db, std::string_view deal, ByteView countersign) {
    BATON_ASSIGN(auto plan, find_plan(db, deal));
    if (!plan) return conflict_error("deal " + std::string(deal) + " has no plan to countersign");
    if (plan->countersign) {
        if (same_bytes(*plan->countersign, countersign)) return ok_status();
        return conflict_error("deal " + std::string(deal) + " has a different countersignature already");
    }
    BATON_ASSIGN(auto st, db.prepare("UPDATE handover_plans SET countersign = ? WHERE deal = ?"));
    st.bind_blob(1, countersign).bind(2, deal);
    return st.run();
}

// ---- receipts ----------------------------------------------------------------------------------

Status save_receipt(Database& db, std::string_view deal, uint32_t stage_number, std::string_view kind,
                    ByteView statement, UnixTime now) {
    BATON_ASSIGN(auto find, db.prepare("SELECT statement FROM handover_receipts WHERE deal = ? AND stage_number = ? "
                                       "AND kind = ?"));
    find.bind(1, deal).bind(2, static_cast<int64_t>(stage_number)).bind(3, kind);
    BATON_ASSIGN(bool row, find.step());
    if (row) {
        if (same_bytes(find.column_blob(0), statement)) return ok_status();
        return conflict_error(stage_name(deal, stage_number) + " has a different " + std::string(kind) + " receipt");
    }
    BATON_ASSIGN(auto st, db.prepare("INSERT INTO handover_receipts(deal, stage_number, kind, statement, saved_at) "
                                     "VALUES(?, ?, ?, ?, ?)"));
    st.bind(1, deal).bind(2, static_cast<int64_t>(stage_number)).bind(3, kind).bind_blob(4, statement).bind(5, now);
    return st.run();
}

Result<std::vector<std::pair<std::string, Bytes>>> load_receipts(Database& db, std::string_view deal,
                                                                  uint32_t stage_number) {
    BATON_ASSIGN(auto st, db.prepare("SELECT kind, statement FROM handover_receipts WHERE deal = ? AND stage_number = ? "
                                     "ORDER BY rowid"));
    st.bind(1, deal).bind(2, static_cast<int64_t>(stage_number));
    std::vector<std::pair<std::string, Bytes>> out;
    for (;;) {
        BATON_ASSIGN(bool row, st.step());
        if (!row) return out;
        out.emplace_back(st.column_text(0), st.column_blob(1));
    }
}

// ---- key releases ------------------------------------------------------------------------------

Status save_key_release(Database& db, std::string_view deal, uint32_t stage_number, ByteView statement,
                        ByteView sealed_key) {
    BATON_ASSIGN(auto existing, find_key_release(db, deal, stage_number));
    if (existing) {
        if (same_bytes(existing->statement, statement) && same_bytes(existing->sealed_key, sealed_key)) return ok_status();
        return conflict_error(stage_name(deal, stage_number) + " has a different key release");
    }
    BATON_ASSIGN(auto st, db.prepare("INSERT INTO handover_key_releases(deal, stage_number, statement, sealed_key) "
                                     "VALUES(?, ?, ?, ?)"));
    st.bind(1, deal).bind(2, static_cast<int64_t>(stage_number)).bind_blob(3, statement).bind_blob(4, sealed_key);
    return st.run();
}

Result<std::optional<StoredKeyRelease>> find_key_release(Database& db, std::string_view deal, uint32_t stage_number) {
    BATON_ASSIGN(auto st, db.prepare("SELECT statement, sealed_key FROM handover_key_releases WHERE deal = ? AND "
                                     "stage_number = ?"));
    st.bind(1, deal).bind(2, static_cast<int64_t>(stage_number));
    BATON_ASSIGN(bool row, st.step());
    if (!row) return std::optional<StoredKeyRelease>();
    return std::optional<StoredKeyRelease>(StoredKeyRelease{st.column_blob(0), st.column_blob(1)});
}

}  // namespace baton::storage
