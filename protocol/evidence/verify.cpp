// The driver of verify_evidence and the checks of the file's encoding, the plan and the
// countersignature. Other steps: verify_parties.cpp (revocation lists, certificates),
// verify_stages.cpp (manifests, receipts, key releases, stage sequence), verify_log.cpp (witness).
#include "protocol/evidence/verify.h"

#include "certs/codec.h"
#include "protocol/evidence/verify_internal.h"
#include "protocol/handover/rules.h"

namespace baton::evidence {

namespace detail {

CheckResult Check::result() const {
    if (failures_ == 0) return {name_, true, ok_message_};
    std::string m = message_;
    if (failures_ > kShown) m += "; and " + std::to_string(failures_ - kShown) + " more";
    return {name_, false, m};
}

std::string item(const std::string& what, size_t index) { return what + " " + std::to_string(index + 1); }

Result<handover::Signed> decode_canonical(ByteView bytes) {
    BATON_ASSIGN(auto s, handover::decode_signed(bytes));
    const Bytes again = handover::encode_signed(s);
    if (!std::equal(again.begin(), again.end(), bytes.begin(), bytes.end()))
        return input_error("statement is not in its one canonical encoding");
    return s;
}

std::string signer_role(const handover::Plan& p, const crypto::PublicKey& key) {
    if (key == p.seller.key) return "seller";
    if (key == p.buyer.key) return "buyer";
    if (p.witness && key == p.witness->key) return "witness";
    return "an unknown key";
}

int receipt_rank(handover::ReceiptKind k) {
    switch (k) {
        case handover::ReceiptKind::delivered: return 0;
        case handover::ReceiptKind::verified: return 1;
        case handover::ReceiptKind::rejected: return 2;
        case handover::ReceiptKind::accepted: return 3;
        case handover::ReceiptKind::purged: return 4;
    }
    return 5;
}

namespace {

// A certs/ envelope must be exactly  0x0A len(body) body 0x12 0x40 signature  (certs.proto's
// Envelope, canonically encoded): no other byte string carries the same signed body.
bool canonical_certs_envelope(ByteView b) {
    size_t pos = 0;
    if (b.empty() || b[pos++] != 0x0A) return false;
    uint64_t len = 0;
    for (int shift = 0;; shift += 7) {
        if (pos >= b.size() || shift > 28) return false;
        const uint8_t c = b[pos++];
        len |= uint64_t(c & 0x7F) << shift;
        if (!(c & 0x80)) {
            if (c == 0 && shift > 0) return false;  // a varint with a redundant zero byte
            break;
        }
    }
    if (len == 0 || len > b.size() - pos) return false;
    pos += len;
    return b.size() - pos == 66 && b[pos] == 0x12 && b[pos + 1] == 0x40;
}

// The claimed time of a statement whose signature holds, for the certificate windows.
std::optional<UnixTime> statement_time(const handover::Signed& s) {
    using K = handover::StatementKind;
    switch (s.kind) {
        case K::plan: if (auto p = handover::open_plan(s)) return p->created_at; break;
        case K::countersign: if (auto c = handover::open_countersign(s)) return c->signed_at; break;
        case K::manifest: if (auto m = handover::open_manifest(s)) return m->prepared_at; break;
        case K::receipt: if (auto r = handover::open_receipt(s)) return r->signed_at; break;
        case K::key_release: if (auto k = handover::open_key_release(s)) return k->released_at; break;
        case K::checkpoint: if (auto c = handover::open_checkpoint(s)) return c->signed_at; break;
        case K::refusal: if (auto r = handover::open_refusal(s)) return r->signed_at; break;
    }
    return std::nullopt;
}

void check_statement_bytes(State& s, Check& c, const std::string& what, ByteView bytes) {
    auto env = decode_canonical(bytes);
    if (!env) return c.fail(what + ": " + env.error().message());
    if (auto t = statement_time(*env)) s.signed_times[env->signer].push_back(*t);
}

void check_all(State& s, Check& c, const std::string& what, const std::vector<Bytes>& items) {
    for (size_t i = 0; i < items.size(); ++i) check_statement_bytes(s, c, item(what, i), items[i]);
}

}  // namespace

void check_encoding(State& s) {
    const auto& f = s.file;
    Check c("encoding", "every certificate, revocation list and statement is in its canonical encoding");
    for (size_t i = 0; i < f.certificates.size(); ++i)
        if (!canonical_certs_envelope(f.certificates[i]))
            c.fail(item("certificate", i) + ": not a canonically encoded certificate envelope");
    for (size_t i = 0; i < f.revocation_lists.size(); ++i)
        if (!canonical_certs_envelope(f.revocation_lists[i]))
            c.fail(item("revocation list", i) + ": not a canonically encoded revocation list envelope");
    check_statement_bytes(s, c, "plan", f.plan);
    if (f.countersign) check_statement_bytes(s, c, "countersignature", *f.countersign);
    check_all(s, c, "manifest", f.manifests);
    check_all(s, c, "receipt", f.receipts);
    check_all(s, c, "key release", f.key_releases);
    check_all(s, c, "log leaf", f.log_leaves);
    check_all(s, c, "checkpoint", f.checkpoints);
    s.add(c);
}

void check_plan(State& s) {
    Check c("plan");
    auto env = handover::decode_signed(s.file.plan);
    if (!env) return c.fail("plan: " + env.error().message()), s.add(c);
    if (env->kind != handover::StatementKind::plan)
        return c.fail("the plan field holds a " + std::string(handover::statement_context(env->kind))), s.add(c);
    auto plan = handover::open_plan(*env);  // signature, and signer == the plan's seller
    if (!plan) return c.fail("plan: " + plan.error().message()), s.add(c);
    if (plan->deal != s.file.deal) c.fail("the plan is for deal " + plan->deal + ", the file for " + s.file.deal);
    s.plan_env = *env;
    s.out.plan = std::move(plan).value();
    s.out.plan_hash = handover::statement_hash(*env);
    s.manifest_envs.assign(s.out.plan->stages.size(), std::nullopt);
    c.set_ok_message("signed by the seller named in it, for deal " + s.file.deal + ", " +
                     std::to_string(s.out.plan->stages.size()) + " stage(s), hash " + to_hex(s.out.plan_hash));
    s.add(c);
}

void check_producer(State& s) {
    if (!s.plan()) return s.skip("producer", "the plan did not open");
    Check c("producer");
    const auto& key = s.file.producer.key;
    const std::string role = signer_role(*s.plan(), key);
    if (!producer_signature_holds(s.file))
        c.fail("the signature of the party that wrote the file does not hold: bytes were altered, added or removed "
               "after it was written");
    else if (role == "an unknown key")
        c.fail("the file was signed by " + role + ", not by a party of the plan");
    else
        s.out.producer = role;
    c.set_ok_message("written and signed by the " + role + " (nothing was left out or added since)");
    s.add(c);
}

void check_countersign(State& s) {
    if (!s.plan()) return s.skip("countersign", "the plan did not open");
    Check c("countersign");
    if (!s.file.countersign) {
        if (!s.file.receipts.empty() || !s.file.key_releases.empty())
            c.fail("stages moved (receipts or key releases exist) but the file has no countersignature");
        else
            c.set_ok_message("not countersigned yet; no stage has moved");
        return s.add(c);
    }
    auto env = handover::decode_signed(*s.file.countersign);
    if (!env) return c.fail("countersignature: " + env.error().message()), s.add(c);
    auto cs = handover::check_countersign(*env, *s.plan(), s.out.plan_hash);
    if (!cs) return c.fail(cs.error().message()), s.add(c);
    s.out.countersign = *cs;
    c.set_ok_message("the plan's buyer countersigned exactly this plan");
    s.add(c);
}

}  // namespace detail

bool Verification::ok() const {
    if (checks.empty()) return false;
    for (const auto& c : checks)
        if (!c.passed) return false;
    return true;
}

std::vector<CheckResult> Verification::failures() const {
    std::vector<CheckResult> out;
    for (const auto& c : checks)
        if (!c.passed) out.push_back(c);
    return out;
}

Verification verify_evidence(ByteView bytes, const crypto::PublicKey& authority) {
    Verification out;
    auto file = decode_evidence(bytes);
    if (!file) {
        out.checks.push_back({"format", false, file.error().message()});
        return out;
    }
    out.checks.push_back({"format", true, "evidence file version " + std::to_string(kVersion) + ", " +
                                              std::to_string(bytes.size()) + " bytes"});
    out.deal = file->deal;
    detail::State s{*file, authority, out, std::nullopt, {}, {}, {}};
    detail::check_encoding(s);
    detail::check_plan(s);
    certs::TrustStore trust;
    detail::check_revocation_lists(s, trust);
    detail::check_certificates(s, trust);
    detail::check_producer(s);
    detail::check_countersign(s);
    detail::check_manifests(s);
    detail::check_receipts(s);
    detail::check_key_releases(s);
    detail::check_stage_sequence(s);
    detail::check_log(s);
    return out;
}

}  // namespace baton::evidence
