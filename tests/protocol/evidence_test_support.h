// A complete, valid evidence file built in memory for the evidence tests: an authority certifying
// a seller, a buyer and (optionally) a witness with fixed keys; a two-stage plan; both stages
// delivered, key-released, verified and accepted; stage 1 purged; and, with a witness, the log of
// every statement with one checkpoint per leaf. Deterministic: the same options give the same bytes.
//
// REQUIRES: libsodium initialised (tests/test_main.cpp).
#pragma once

#include "certs/codec.h"
#include "core/merkle.h"
#include "protocol/evidence/evidence_file.h"
#include "protocol/handover/rules.h"
#include "tests/protocol/handover_test_support.h"

namespace baton::evidence::test {

using namespace baton::handover;
using namespace baton::handover::test;

struct WorldOptions {
    bool witness = true;
    bool refusal = false;   // the witness refused a second, different manifest of stage 2
    bool purge = true;
};

struct World {
    Parties parties;
    crypto::Ed25519KeyPair authority = fixed_signer(0x70);
    EvidenceFile file;
};

inline certs::Certificate issue_for(const World& w, const crypto::Ed25519KeyPair& key, const std::string& name,
                                    certs::Role role, uint64_t serial) {
    certs::CertificateRequest req{serial, certs::make_identity(key, name, name + "@example.com", kHandoverNow - 86400),
                                  role, kHandoverDeal, "CN", kHandoverNow - 86400, kHandoverNow + 90 * 86400};
    return certs::issue_certificate(w.authority, "Authority Co", req).value();
}

inline Manifest stage_manifest(const Digest32& plan_hash, uint32_t stage) {
    Manifest m = sample_manifest(plan_hash);  // stage 2 ("ledger")
    if (stage == 0) {
        m.stage_number = 0;
        m.stage = "contacts";
        m.merkle_root = fixed_digest(0x44);
        m.sets = {SetSummary{"customers", R"({"fields":[{"name":"id","type":"string"}]})", {"id"}, 10, {},
                             {FieldRule{"id", "keep"}, FieldRule{"phone", "mask"}, FieldRule{"national_id", "pseudonymize"}}}};
    }
    m.prepared_at = kHandoverNow + 20 + stage * 100;
    return m;
}

inline World make_world(const WorldOptions& o = {}) {
    World w;
    auto& p = w.parties;
    Plan plan = sample_plan(p);
    if (!o.witness) plan.witness.reset();
    const Signed plan_env = sign_plan(plan, p.seller);
    const Digest32 ph = statement_hash(plan_env);
    auto& f = w.file;
    f.deal = kHandoverDeal;
    f.certificates.push_back(issue_for(w, p.seller, "Seller Ltd", certs::Role::seller, 1).envelope);
    f.certificates.push_back(issue_for(w, p.buyer, "Buyer GmbH", certs::Role::buyer, 2).envelope);
    if (o.witness) f.certificates.push_back(issue_for(w, p.witness, "Notary", certs::Role::witness, 3).envelope);
    f.revocation_lists.push_back(certs::issue_revocation_list(w.authority, kHandoverDeal, 1, kHandoverNow, {99}).envelope);
    f.plan = encode_signed(plan_env);
    std::vector<Bytes> log{f.plan};
    auto add = [&](std::vector<Bytes>& section, const Signed& s) {
        section.push_back(encode_signed(s));
        log.push_back(section.back());
    };
    std::vector<Bytes> cs;
    add(cs, sign_countersign(sample_countersign(ph), p.buyer));
    f.countersign = cs[0];
    std::vector<Signed> manifests;
    for (uint32_t st = 0; st < 2; ++st) {
        const Manifest m = stage_manifest(ph, st);
        manifests.push_back(sign_manifest(m, p.seller));
        add(f.manifests, manifests.back());
        if (st == 1 && o.refusal) {
            Manifest other = m;
            other.merkle_root = fixed_digest(0x99);
            const Bytes refused = encode_signed(sign_manifest(other, p.seller));
            const Refusal r{kHandoverDeal, crypto::blake2b_256(refused), "conflicting_manifest", "a second manifest of stage 2",
                            kHandoverNow + 150};
            log.push_back(encode_signed(sign_refusal(r, p.witness)));
            f.refused.push_back({log.size() - 1, refused});
        }
        const UnixTime t = kHandoverNow + 30 + st * 100;
        auto receipt = [&](ReceiptKind k, UnixTime at, const crypto::Ed25519KeyPair& key) {
            Receipt r = make_receipt(k, m, manifests.back(), {}, {}, at);
            r.stage = m.stage;
            add(f.receipts, sign_receipt(r, key));
        };
        receipt(ReceiptKind::delivered, t, p.buyer);
        add(f.key_releases, sign_key_release(make_key_release(m, manifests.back(), as_bytes("sealed"), t + 1), p.seller));
        receipt(ReceiptKind::verified, t + 2, p.buyer);
        receipt(ReceiptKind::accepted, t + 3, p.buyer);
        if (st == 0 && o.purge) receipt(ReceiptKind::purged, t + 50, p.seller);
    }
    if (!o.witness) {
        sign_evidence(f, p.seller);
        return w;
    }
    f.log_leaves = log;
    std::vector<Bytes> hashes;
    for (const auto& leaf : log) {
        hashes.push_back(merkle::leaf_hash(merkle::blake2b_256_hasher(), leaf));
        Checkpoint c{kHandoverDeal, ph, hashes.size(), {}, kHandoverNow + 300};
        const Bytes root = merkle::root(merkle::blake2b_256_hasher(), hashes).value();
        std::copy(root.begin(), root.end(), c.root.begin());
        f.checkpoints.push_back(encode_signed(sign_checkpoint(c, p.witness)));
    }
    sign_evidence(f, p.seller);
    return w;
}

}  // namespace baton::evidence::test
