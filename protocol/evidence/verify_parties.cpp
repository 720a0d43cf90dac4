// Revocation lists and certificates: each party of the plan holds exactly one certificate from
// the authority for this deal and its role, not revoked by any list in the file, valid at every
// time the party's statements claim.
#include <algorithm>

#include "certs/codec.h"
#include "certs/fingerprint.h"
#include "certs/verifier.h"
#include "protocol/evidence/verify_internal.h"

namespace baton::evidence::detail {

namespace {

struct Wanted {
    certs::Role role;
    const handover::Party* party;
};

std::vector<Wanted> wanted_parties(const handover::Plan& p) {
    std::vector<Wanted> w{{certs::Role::seller, &p.seller}, {certs::Role::buyer, &p.buyer}};
    if (p.witness) w.push_back({certs::Role::witness, &*p.witness});
    return w;
}

// Checks one party's certificate (the file's `index`th); fills the party's view.
void check_party(State& s, const certs::TrustStore& trust, const Wanted& w, size_t index, Check& c) {
    const std::string role = certs::role_name(w.role);
    PartyView view{role, w.party->name, w.party->key, std::nullopt};
    const std::string what = item("certificate", index) + " (" + role + ")";
    if (index >= s.file.certificates.size()) {
        c.fail("no certificate for the " + role + " " + certs::fingerprint(w.party->key));
        s.out.parties.push_back(std::move(view));
        return;
    }
    auto cert = certs::decode_certificate(s.file.certificates[index]);
    if (!cert) {
        c.fail(what + ": " + cert.error().message());
        s.out.parties.push_back(std::move(view));
        return;
    }
    view.certificate = *cert;
    s.out.parties.push_back(std::move(view));
    const auto& times = s.signed_times[w.party->key];
    const UnixTime first = times.empty() ? s.plan()->created_at : *std::min_element(times.begin(), times.end());
    const UnixTime last = times.empty() ? first : *std::max_element(times.begin(), times.end());
    certs::Expectation want{s.file.deal, w.role, w.party->key, first};
    const auto verdict = certs::verify_certificate(*cert, trust, want);
    if (!verdict.ok()) return c.fail(what + ": " + certs::check_name(verdict.check) + ": " + verdict.detail);
    if (cert->issuer_key != s.authority) return c.fail(what + ": not issued by the given authority");
    if (last >= cert->not_after)
        c.fail(what + ": the " + role + " signed a statement at " + format_time(last) + ", after the certificate expired at " +
               format_time(cert->not_after));
}

}  // namespace

void check_revocation_lists(State& s, certs::TrustStore& trust) {
    trust.anchors.push_back({s.file.deal, s.authority, "authority"});
    Check c("revocation_lists");
    uint64_t last_number = 0;
    size_t revoked = 0;
    for (size_t i = 0; i < s.file.revocation_lists.size(); ++i) {
        const std::string what = item("revocation list", i);
        auto crl = certs::decode_revocation_list(s.file.revocation_lists[i]);  // checks its signature
        if (!crl) {
            c.fail(what + ": " + crl.error().message());
            continue;
        }
        if (crl->issuer_key != s.authority) c.fail(what + ": not issued by the given authority");
        if (crl->deal != s.file.deal) c.fail(what + ": for deal " + crl->deal + ", not " + s.file.deal);
        if (crl->number <= last_number) c.fail(what + ": list numbers must increase (" + std::to_string(crl->number) + ")");
        last_number = crl->number;
        revoked += crl->revoked_serials.size();
        trust.crls.push_back(std::move(crl).value());
    }
    c.set_ok_message(std::to_string(s.file.revocation_lists.size()) + " list(s) from the authority, " +
                     std::to_string(revoked) + " revoked serial(s) applied");
    s.add(c);
}

void check_certificates(State& s, const certs::TrustStore& trust) {
    if (!s.plan()) return s.skip("certificates", "the plan did not open");
    Check c("certificates");
    const auto wanted = wanted_parties(*s.plan());
    for (size_t i = 0; i < wanted.size(); ++i) check_party(s, trust, wanted[i], i, c);
    if (s.file.certificates.size() > wanted.size())
        c.fail("the file holds " + std::to_string(s.file.certificates.size()) + " certificates; the plan has " +
               std::to_string(wanted.size()) + " parties (seller, buyer[, witness], in that order)");
    c.set_ok_message("seller, buyer" + std::string(s.plan()->witness ? ", witness" : "") +
                     ": each certified by the authority for deal " + s.file.deal +
                     " and its role, for the key the plan names, not revoked, valid when it signed");
    s.add(c);
}

}  // namespace baton::evidence::detail
