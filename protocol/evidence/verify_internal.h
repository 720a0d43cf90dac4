// Internal to protocol/evidence/verify*.cpp: the state the checks share while one file is verified.
// Each step reads the file and what earlier steps decoded, and records its named checks.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "certs/verifier.h"
#include "protocol/evidence/verify.h"

namespace baton::evidence::detail {

// A check being built: passes unless fail() is called; the first few failures make its message.
class Check {
public:
    explicit Check(std::string name, std::string ok_message = {})
        : name_(std::move(name)), ok_message_(std::move(ok_message)) {}
    void fail(const std::string& why) {
        if (failures_++ < kShown) message_ += (message_.empty() ? "" : "; ") + why;
    }
    void set_ok_message(std::string m) { ok_message_ = std::move(m); }
    bool failed() const { return failures_ > 0; }
    CheckResult result() const;

private:
    static constexpr size_t kShown = 3;  // a thousand altered leaves need not print a thousand lines
    std::string name_, ok_message_, message_;
    size_t failures_ = 0;
};

struct State {
    const EvidenceFile& file;
    crypto::PublicKey authority{};
    Verification& out;

    std::optional<handover::Signed> plan_env;  // set when the plan opened
    std::vector<std::optional<handover::Signed>> manifest_envs;   // per planned stage
    std::vector<std::optional<handover::Receipt>> receipt_views;  // per file receipt, when it checked
    std::map<crypto::PublicKey, std::vector<UnixTime>> signed_times;  // claimed times per signer key

    void add(const Check& c) { out.checks.push_back(c.result()); }
    void skip(const std::string& name, const std::string& why) { out.checks.push_back({name, false, "not checked: " + why}); }
    const handover::Plan* plan() const { return out.plan ? &*out.plan : nullptr; }
};

// "receipt 3" / "log leaf 12": an item's place in the file, counting from 1 as people do.
std::string item(const std::string& what, size_t index);
// decode_signed, and the bytes must be exactly what encode_signed gives (no other encoding of the
// same statement passes). Fails (bad_input) saying which.
Result<handover::Signed> decode_canonical(ByteView bytes);
// The signer's role in the plan ("seller", "buyer", "witness") or "an unknown key".
std::string signer_role(const handover::Plan& p, const crypto::PublicKey& key);
// Rank of a receipt kind in a stage's sequence: delivered 0, verified 1, rejected 2, accepted 3, purged 4.
int receipt_rank(handover::ReceiptKind k);

// The steps, in order. Each records its checks in state.out.checks.
void check_encoding(State& s);
void check_plan(State& s);
void check_producer(State& s);
void check_countersign(State& s);
void check_revocation_lists(State& s, certs::TrustStore& trust);
void check_certificates(State& s, const certs::TrustStore& trust);
void check_manifests(State& s);
void check_receipts(State& s);
void check_key_releases(State& s);
void check_stage_sequence(State& s);
void check_log(State& s);

}  // namespace baton::evidence::detail
