#include "storage/credentials.h"

namespace baton::storage {

Status put_own_certificate(Database& db, const StoredCertificate& c, const Bytes& issuer_key, UnixTime not_after,
                           UnixTime now) {
    BATON_ASSIGN(auto st, db.prepare("INSERT OR REPLACE INTO own_certificates(deal, role, serial, issuer_key, "
                                     "not_after, envelope, installed_at) VALUES(?,?,?,?,?,?,?)"));
    st.bind(1, c.deal).bind(2, c.role).bind(3, c.serial).bind_blob(4, issuer_key).bind(5, not_after);
    st.bind_blob(6, c.envelope).bind(7, now);
    return st.run();
}

Result<std::vector<StoredCertificate>> own_certificates(Database& db) {
    BATON_ASSIGN(auto st, db.prepare("SELECT deal, role, serial, envelope FROM own_certificates ORDER BY deal, role"));
    std::vector<StoredCertificate> out;
    while (true) {
        BATON_ASSIGN(bool row, st.step());
        if (!row) break;
        out.push_back({st.column_text(0), st.column_text(1), st.column_int64(2), st.column_blob(3)});
    }
    return out;
}

Status add_trust_anchor(Database& db, const StoredAnchor& a, UnixTime now) {
    BATON_ASSIGN(auto check, db.prepare("SELECT 1 FROM trust_anchors WHERE deal = ? AND authority = ?"));
    check.bind(1, a.deal).bind_blob(2, a.authority);
    BATON_ASSIGN(bool exists, check.step());
    if (exists) return conflict_error("authority " + a.name + " is already trusted for deal " + a.deal);
    BATON_ASSIGN(auto st, db.prepare("INSERT INTO trust_anchors(deal, authority, name, identity, added_at) "
                                     "VALUES(?,?,?,?,?)"));
    st.bind(1, a.deal).bind_blob(2, a.authority).bind(3, a.name).bind_blob(4, a.identity).bind(5, now);
    return st.run();
}

Result<std::vector<StoredAnchor>> trust_anchors(Database& db) {
    BATON_ASSIGN(auto st, db.prepare("SELECT deal, authority, name, identity FROM trust_anchors ORDER BY deal, added_at"));
    std::vector<StoredAnchor> out;
    while (true) {
        BATON_ASSIGN(bool row, st.step());
        if (!row) break;
        out.push_back({st.column_text(0), st.column_blob(1), st.column_text(2), st.column_blob(3)});
    }
    return out;
}

Status put_revocation_list(Database& db, const StoredRevocationList& crl, UnixTime now) {
    BATON_ASSIGN(auto check, db.prepare("SELECT number FROM revocation_lists WHERE deal = ? AND issuer_key = ?"));
    check.bind(1, crl.deal).bind_blob(2, crl.issuer_key);
    BATON_ASSIGN(bool exists, check.step());
    if (exists && check.column_int64(0) >= crl.number)
        return conflict_error("revocation list " + std::to_string(crl.number) + " for deal " + crl.deal +
                              " is not newer than the installed list " + std::to_string(check.column_int64(0)));
    BATON_ASSIGN(auto st, db.prepare("INSERT OR REPLACE INTO revocation_lists(deal, issuer_key, number, envelope, "
                                     "installed_at) VALUES(?,?,?,?,?)"));
    st.bind(1, crl.deal).bind_blob(2, crl.issuer_key).bind(3, crl.number).bind_blob(4, crl.envelope).bind(5, now);
    return st.run();
}

Result<std::vector<StoredRevocationList>> revocation_lists(Database& db) {
    BATON_ASSIGN(auto st, db.prepare("SELECT deal, issuer_key, number, envelope FROM revocation_lists"));
    std::vector<StoredRevocationList> out;
    while (true) {
        BATON_ASSIGN(bool row, st.step());
        if (!row) break;
        out.push_back({st.column_text(0), st.column_blob(1), st.column_int64(2), st.column_blob(3)});
    }
    return out;
}

Result<int64_t> next_serial(Database& db) {
    BATON_ASSIGN(auto st, db.prepare("SELECT COALESCE(MAX(serial), 0) + 1 FROM issued_certificates"));
    BATON_ASSIGN(bool row, st.step());
    (void)row;
    return st.column_int64(0);
}

Status record_issued(Database& db, const IssuedCertificate& c, UnixTime now) {
    BATON_ASSIGN(auto st, db.prepare("INSERT INTO issued_certificates(serial, deal, role, subject_name, subject_key, "
                                     "not_after, issued_at) VALUES(?,?,?,?,?,?,?)"));
    st.bind(1, c.serial).bind(2, c.deal).bind(3, c.role).bind(4, c.subject_name).bind_blob(5, c.subject_key);
    st.bind(6, c.not_after).bind(7, now);
    return st.run();
}

Result<std::vector<IssuedCertificate>> issued_certificates(Database& db) {
    BATON_ASSIGN(auto st, db.prepare("SELECT serial, deal, role, subject_name, subject_key, not_after, "
                                     "revoked_at IS NOT NULL FROM issued_certificates ORDER BY serial"));
    std::vector<IssuedCertificate> out;
    while (true) {
        BATON_ASSIGN(bool row, st.step());
        if (!row) break;
        out.push_back({st.column_int64(0), st.column_text(1), st.column_text(2), st.column_text(3),
                       st.column_blob(4), st.column_int64(5), st.column_int64(6) != 0});
    }
    return out;
}

Status mark_revoked(Database& db, std::string_view deal, int64_t serial, UnixTime now) {
    BATON_ASSIGN(auto st, db.prepare("UPDATE issued_certificates SET revoked_at = COALESCE(revoked_at, ?) "
                                     "WHERE deal = ? AND serial = ?"));
    st.bind(1, now).bind(2, deal).bind(3, serial);
    BATON_TRY(st.run());
    BATON_ASSIGN(auto changed, db.prepare("SELECT changes()"));
    BATON_ASSIGN(bool row, changed.step());
    if (!row || changed.column_int64(0) == 0)
        return conflict_error("no certificate with serial " + std::to_string(serial) + " was issued here for deal " +
                              std::string(deal));
    return ok_status();
}

Result<std::vector<uint64_t>> revoked_serials(Database& db, std::string_view deal) {
    BATON_ASSIGN(auto st, db.prepare("SELECT serial FROM issued_certificates WHERE deal = ? AND revoked_at IS NOT NULL "
                                     "ORDER BY serial"));
    st.bind(1, deal);
    std::vector<uint64_t> out;
    while (true) {
        BATON_ASSIGN(bool row, st.step());
        if (!row) break;
        out.push_back(static_cast<uint64_t>(st.column_int64(0)));
    }
    return out;
}

Result<int64_t> next_revocation_number(Database& db, std::string_view deal) {
    BATON_ASSIGN(auto st, db.prepare("INSERT INTO issued_revocation_lists(deal, number) VALUES(?, 1) "
                                     "ON CONFLICT(deal) DO UPDATE SET number = number + 1 RETURNING number"));
    st.bind(1, deal);
    BATON_ASSIGN(bool row, st.step());
    if (!row) return internal_error("revocation number not returned");
    int64_t n = st.column_int64(0);
    st.reset();
    return n;
}

}  // namespace baton::storage
