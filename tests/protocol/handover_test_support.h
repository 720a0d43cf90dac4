// Sample handover statements for tests and fuzz seeds (no Catch2 here): a seller, a buyer and a
// witness with fixed keys, and one valid statement of each kind. Deterministic: the same calls
// give the same bytes.
//
// REQUIRES: libsodium initialised (tests/test_main.cpp; LLVMFuzzerInitialize in fuzz targets).
#pragma once

#include <string>

#include "core/crypto.h"
#include "protocol/handover/statements.h"

namespace baton::handover::test {

inline const std::string kHandoverDeal = "D-2026-001";
constexpr UnixTime kHandoverNow = 1'790'000'000;

inline crypto::Ed25519KeyPair fixed_signer(uint8_t seed) {
    Secret<32> k;
    for (size_t i = 0; i < k.size(); ++i) k.data()[i] = static_cast<uint8_t>(seed * 7 + i);
    return crypto::ed25519_from_seed(k);
}

struct Parties {
    crypto::Ed25519KeyPair seller = fixed_signer(0x61);
    crypto::Ed25519KeyPair buyer = fixed_signer(0x62);
    crypto::Ed25519KeyPair witness = fixed_signer(0x63);
};

inline Digest32 fixed_digest(uint8_t v) {
    Digest32 d;
    d.fill(v);
    return d;
}

// Two stages ("contacts": customers; "ledger": orders, payments), masks on two fields.
inline Plan sample_plan(const Parties& p) {
    Plan plan;
    plan.deal = kHandoverDeal;
    for (size_t i = 0; i < plan.plan_id.size(); ++i) plan.plan_id[i] = static_cast<uint8_t>(0xa0 + i);
    plan.seller = Party{p.seller.public_key, "Seller Ltd"};
    plan.buyer = Party{p.buyer.public_key, "Buyer GmbH"};
    plan.witness = Party{p.witness.public_key, "Notary"};
    plan.stages = {PlanStage{"contacts", {"customers"}}, PlanStage{"ledger", {"orders", "payments"}}};
    plan.masks = {PlanMask{"customers", "phone", "mask"}, PlanMask{"customers", "national_id", "pseudonymize"},
                  PlanMask{"orders", "note", "drop"}};
    plan.manual_accept = true;
    plan.created_at = kHandoverNow;
    return plan;
}

inline Countersign sample_countersign(const Digest32& plan_hash) {
    return Countersign{kHandoverDeal, plan_hash, kHandoverNow + 10};
}

// Stage 1 ("ledger"): 3 chunks of 64 KiB, the last one partly full.
inline Manifest sample_manifest(const Digest32& plan_hash) {
    Manifest m;
    m.deal = kHandoverDeal;
    m.plan_hash = plan_hash;
    m.stage_number = 1;
    m.stage = "ledger";
    m.chunk_size = 65536;
    m.chunk_count = 3;
    m.plaintext_bytes = 2 * 65536 + 1000;
    m.ciphertext_bytes = m.plaintext_bytes + 3 * 16;
    m.merkle_root = fixed_digest(0x11);
    m.plaintext_digest = fixed_digest(0x22);
    SetSummary orders{"orders",
                      R"({"fields":[{"name":"id","type":"string"},{"name":"amount","type":"decimal","scale":2}]})",
                      {"id", "amount"},
                      1200,
                      {DecimalTotal{"amount", "-1234.50"}},
                      {FieldRule{"id", "keep"}, FieldRule{"amount", "keep"}, FieldRule{"note", "drop"}}};
    SetSummary payments{"payments", R"({"fields":[{"name":"ref","type":"string"}]})", {"ref"}, 0, {},
                        {FieldRule{"ref", "mask"}}};
    m.sets = {orders, payments};
    m.prepared_at = kHandoverNow + 20;
    return m;
}

inline Receipt sample_receipt(const Digest32& plan_hash, const Digest32& manifest_hash, ReceiptKind kind) {
    Receipt r;
    r.deal = kHandoverDeal;
    r.plan_hash = plan_hash;
    r.stage_number = 1;
    r.stage = "ledger";
    r.kind = kind;
    r.manifest_hash = manifest_hash;
    r.merkle_root = fixed_digest(0x11);
    r.signed_at = kHandoverNow + 30;
    if (kind == ReceiptKind::rejected) {
        r.reason_code = "total_mismatch";
        r.reason_detail = "orders.amount sums to -1234.49, the manifest says -1234.50";
    }
    return r;
}

inline KeyRelease sample_key_release(const Digest32& manifest_hash) {
    return KeyRelease{kHandoverDeal, 1, "ledger", manifest_hash, fixed_digest(0x33), kHandoverNow + 40};
}

// A deal's statements in flow order, for stage 1 ("ledger") of the sample plan, with the hashes
// that later statements bind.
struct SampleFlow {
    Parties p;
    Plan plan = sample_plan(p);
    Signed plan_signed = sign_plan(plan, p.seller);
    Digest32 plan_hash = statement_hash(plan_signed);
    Signed countersign = sign_countersign(sample_countersign(plan_hash), p.buyer);
    Manifest manifest = sample_manifest(plan_hash);
    Signed manifest_signed = sign_manifest(manifest, p.seller);
    Digest32 manifest_hash = statement_hash(manifest_signed);

    // A receipt of `kind`, signed by the buyer unless `key` is given.
    Signed receipt(ReceiptKind kind, const crypto::Ed25519KeyPair* key = nullptr) const {
        return sign_receipt(sample_receipt(plan_hash, manifest_hash, kind), key ? *key : p.buyer);
    }
    Signed key_release() const { return sign_key_release(sample_key_release(manifest_hash), p.seller); }
};

// One signed statement of each kind, in flow order.
struct SampleStatements {
    Signed plan, countersign, manifest, delivered, rejected, key_release;
};

inline SampleStatements sample_statements(const Parties& p) {
    SampleStatements s;
    s.plan = sign_plan(sample_plan(p), p.seller);
    const Digest32 plan_hash = statement_hash(s.plan);
    s.countersign = sign_countersign(sample_countersign(plan_hash), p.buyer);
    s.manifest = sign_manifest(sample_manifest(plan_hash), p.seller);
    const Digest32 manifest_hash = statement_hash(s.manifest);
    s.delivered = sign_receipt(sample_receipt(plan_hash, manifest_hash, ReceiptKind::delivered), p.buyer);
    s.rejected = sign_receipt(sample_receipt(plan_hash, manifest_hash, ReceiptKind::rejected), p.buyer);
    s.key_release = sign_key_release(sample_key_release(manifest_hash), p.seller);
    return s;
}

}  // namespace baton::handover::test
