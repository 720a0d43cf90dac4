// Handover statements (protocol/handover/statements.h): round trips, signatures bound to signer,
// body and context, and the decoders' bounds. Hostile bodies are made by appending protobuf
// fields to genuine ones (the last value of a singular field wins), since only the codec sees the
// generated types.
#include <catch2/catch.hpp>

#include <functional>

#include "tests/protocol/handover_test_support.h"

namespace baton::handover {
namespace {

using namespace test;

void put_varint(Bytes& out, uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<uint8_t>(v | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<uint8_t>(v));
}

// `body` with a length-delimited field appended.
Bytes with_field(Bytes body, uint32_t number, ByteView data) {
    put_varint(body, (uint64_t{number} << 3) | 2);
    put_varint(body, data.size());
    append(body, data);
    return body;
}

// `body` with a varint field appended.
Bytes with_varint(Bytes body, uint32_t number, uint64_t v) {
    put_varint(body, uint64_t{number} << 3);
    put_varint(body, v);
    return body;
}

Signed resign(StatementKind kind, Bytes body, const crypto::Ed25519KeyPair& key) {
    Signed s{kind, std::move(body), key.public_key, {}};
    s.signature = crypto::sign_in_context(key, statement_context(kind), s.body);
    return s;
}

// Opens `s` with the opener of its own kind; the result is the re-encoded body, to compare.
Result<Bytes> open_any(const Signed& s) {
    switch (s.kind) {
        case StatementKind::plan: {
            BATON_ASSIGN(auto v, open_plan(s));
            return encode_plan_body(v);
        }
        case StatementKind::countersign: {
            BATON_ASSIGN(auto v, open_countersign(s));
            return encode_countersign_body(v);
        }
        case StatementKind::manifest: {
            BATON_ASSIGN(auto v, open_manifest(s));
            return encode_manifest_body(v);
        }
        case StatementKind::receipt: {
            BATON_ASSIGN(auto v, open_receipt(s));
            return encode_receipt_body(v);
        }
        case StatementKind::key_release: {
            BATON_ASSIGN(auto v, open_key_release(s));
            return encode_key_release_body(v);
        }
        case StatementKind::checkpoint: {
            BATON_ASSIGN(auto v, open_checkpoint(s));
            return encode_checkpoint_body(v);
        }
        case StatementKind::refusal: {
            BATON_ASSIGN(auto v, open_refusal(s));
            return encode_refusal_body(v);
        }
    }
    return internal_error("kind");
}

template <typename T>
void require_bad_input(const Result<T>& r, const std::string& names) {
    REQUIRE_FALSE(r);
    CHECK(r.error().kind() == ErrorKind::bad_input);
    CHECK_THAT(r.error().message(), Catch::Contains(names));
}

void require_auth(const Result<Bytes>& r) {
    REQUIRE_FALSE(r);
    CHECK(r.error().kind() == ErrorKind::auth);
}

// ---- round trips ---------------------------------------------------------------------------------

TEST_CASE("every statement kind survives sign, encode, decode and open unchanged", "[handover][statements]") {
    const Parties p;
    const auto s = sample_statements(p);
    for (const Signed* st : {&s.plan, &s.countersign, &s.manifest, &s.delivered, &s.rejected, &s.key_release}) {
        auto back = decode_signed(encode_signed(*st));
        REQUIRE(back);
        CHECK(back->kind == st->kind);
        CHECK(back->body == st->body);
        CHECK(back->signer == st->signer);
        CHECK(back->signature == st->signature);
        auto opened = open_any(*back);
        REQUIRE(opened);
        CHECK(*opened == st->body);  // decoding loses nothing: the body re-encodes to the same bytes
        CHECK(statement_hash(*back) == crypto::blake2b_256(st->body));
    }
}

TEST_CASE("an opened plan and manifest hold exactly the fields that were signed", "[handover][statements]") {
    const Parties p;
    const Plan plan = sample_plan(p);
    auto opened = open_plan(sign_plan(plan, p.seller));
    REQUIRE(opened);
    CHECK(opened->deal == plan.deal);
    CHECK(opened->plan_id == plan.plan_id);
    CHECK(opened->buyer.key == p.buyer.public_key);
    REQUIRE(opened->witness);
    CHECK(opened->witness->name == "Notary");
    REQUIRE(opened->stages.size() == 2);
    CHECK(opened->stages[1].sets == std::vector<std::string>{"orders", "payments"});
    CHECK(opened->masks[1].rule == "pseudonymize");
    CHECK(opened->manual_accept);

    const Manifest m = sample_manifest(fixed_digest(9));
    auto om = open_manifest(sign_manifest(m, p.seller));
    REQUIRE(om);
    CHECK(om->plan_hash == fixed_digest(9));
    CHECK(om->sets[0].totals[0].sum == "-1234.50");
    CHECK(om->sets[0].masks[2].rule == "drop");
    CHECK(om->ciphertext_bytes == m.ciphertext_bytes);
}

TEST_CASE("a plan without a witness and an empty one-chunk stage round-trip", "[handover][statements]") {
    const Parties p;
    Plan plan = sample_plan(p);
    plan.witness.reset();
    plan.masks.clear();
    auto opened = open_plan(sign_plan(plan, p.seller));
    REQUIRE(opened);
    CHECK_FALSE(opened->witness);

    Manifest m = sample_manifest(fixed_digest(1));
    m.plaintext_bytes = 0;
    m.chunk_count = 1;
    m.ciphertext_bytes = 16;
    CHECK(validate_manifest(m));
    CHECK(open_manifest(sign_manifest(m, p.seller)));
}

TEST_CASE("every receipt kind round-trips, with a reason only when rejected", "[handover][statements]") {
    const Parties p;
    for (auto kind : {ReceiptKind::delivered, ReceiptKind::verified, ReceiptKind::rejected, ReceiptKind::accepted}) {
        auto r = open_receipt(sign_receipt(sample_receipt(fixed_digest(1), fixed_digest(2), kind), p.buyer));
        REQUIRE(r);
        CHECK(r->kind == kind);
        CHECK(r->reason_code.empty() == (kind != ReceiptKind::rejected));
    }
    CHECK(receipt_kind_name(ReceiptKind::verified) == "verified");
    CHECK(statement_context(StatementKind::countersign) == "plan-countersign");
    CHECK(statement_context(StatementKind::key_release) == "key-release");
}

// ---- signatures ------------------------------------------------------------------------------------

TEST_CASE("a statement claimed by another signer fails with auth", "[handover][statements][auth]") {
    const Parties p;
    const auto s = sample_statements(p);
    for (const Signed* st : {&s.plan, &s.countersign, &s.manifest, &s.delivered, &s.key_release}) {
        Signed forged = *st;
        forged.signer = p.witness.public_key;
        require_auth(open_any(forged));
        CHECK(check_signature(forged).error().kind() == ErrorKind::auth);
    }
}

TEST_CASE("a statement with a body byte flipped fails with auth", "[handover][statements][auth]") {
    const Parties p;
    const auto s = sample_statements(p);
    for (const Signed* st : {&s.plan, &s.countersign, &s.manifest, &s.rejected, &s.key_release}) {
        for (size_t i = 0; i < st->body.size(); i += 7) {
            Signed forged = *st;
            forged.body[i] ^= 0x01;
            require_auth(open_any(forged));
        }
    }
}

TEST_CASE("a signature made in one context never opens as another kind", "[handover][statements][auth]") {
    const Parties p;
    const auto s = sample_statements(p);
    const StatementKind kinds[] = {StatementKind::plan, StatementKind::countersign, StatementKind::manifest,
                                   StatementKind::receipt, StatementKind::key_release};
    for (const Signed* st : {&s.plan, &s.countersign, &s.manifest, &s.delivered, &s.key_release}) {
        for (auto k : kinds) {
            if (k == st->kind) continue;
            Signed relabelled = *st;
            relabelled.kind = k;  // e.g. a receipt's signature presented as a manifest
            require_auth(open_any(relabelled));
        }
    }
    // Asking for the wrong kind without relabelling fails the same way.
    auto wrong = open_manifest(s.delivered);
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error().kind() == ErrorKind::auth);
}

TEST_CASE("a plan signed by anyone but its seller does not open", "[handover][statements][auth]") {
    const Parties p;
    auto r = open_plan(sign_plan(sample_plan(p), p.buyer));  // a valid signature, by the buyer
    REQUIRE_FALSE(r);
    CHECK(r.error().kind() == ErrorKind::auth);
}

TEST_CASE("no single-byte change of an encoded statement opens as a different valid statement",
          "[handover][statements][auth]") {
    const Parties p;
    const auto s = sample_statements(p);
    for (const Signed* st : {&s.plan, &s.countersign, &s.manifest, &s.delivered, &s.rejected, &s.key_release}) {
        const Bytes encoded = encode_signed(*st);
        for (size_t i = 0; i < encoded.size(); ++i) {
            for (uint8_t x : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xff}}) {
                Bytes bad = encoded;
                bad[i] ^= x;
                auto decoded = decode_signed(bad);
                if (!decoded) continue;
                auto opened = open_any(*decoded);
                if (!opened) continue;
                // Only a change that leaves kind, signer and body as they were may open.
                CHECK(decoded->kind == st->kind);
                CHECK(decoded->body == st->body);
                CHECK(*opened == st->body);
            }
        }
    }
}

// ---- envelope bounds ------------------------------------------------------------------------------

TEST_CASE("malformed envelopes are refused with bad_input", "[handover][statements][bounds]") {
    const Parties p;
    const auto s = sample_statements(p);
    const Bytes good = encode_signed(s.countersign);
    require_bad_input(decode_signed(with_field(good, 3, Bytes(31, 1))), "signer must be 32 bytes");
    require_bad_input(decode_signed(with_field(good, 4, Bytes(63, 1))), "signature must be 64 bytes");
    require_bad_input(decode_signed(with_varint(good, 1, 0)), "kind is unknown");
    require_bad_input(decode_signed(with_varint(good, 1, 9)), "kind is unknown");
    require_bad_input(decode_signed(with_field(good, 2, Bytes{})), "body is empty");
    require_bad_input(decode_signed(with_varint(good, 15, 1)), "unknown fields");
    require_bad_input(decode_signed(Bytes(good.begin(), good.end() - 1)), "malformed");
    require_bad_input(decode_signed(with_field(good, 2, Bytes(kMaxStatementBytes, 1))), "larger than");
}

// ---- body bounds ------------------------------------------------------------------------------------

// A plan mutation and the field its error must name.
struct PlanCase {
    const char* names;
    std::function<void(Plan&)> mutate;
};

TEST_CASE("plans out of bounds are refused by validate_plan and by the decoder, naming the field",
          "[handover][statements][bounds]") {
    const Parties p;
    const std::vector<PlanCase> cases = {
        {"plan: deal", [](Plan& x) { x.deal = "D 2026"; }},
        {"plan: seller.name is longer than 128", [](Plan& x) { x.seller.name = std::string(129, 'a'); }},
        {"plan: buyer.name is empty", [](Plan& x) { x.buyer.name.clear(); }},
        {"plan: buyer.name is not valid UTF-8", [](Plan& x) { x.buyer.name = "\xc3\x28"; }},
        {"plan: witness.name contains a control", [](Plan& x) { x.witness->name = "a\nb"; }},
        {"plan: buyer.key equals", [&](Plan& x) { x.buyer.key = p.seller.public_key; }},
        {"plan: witness.key equals", [&](Plan& x) { x.witness->key = p.buyer.public_key; }},
        {"plan: stages must hold 1 to 64", [](Plan& x) { x.stages.clear(); x.masks.clear(); }},
        {"plan: stages must hold 1 to 64",
         [](Plan& x) {
             x.stages.clear();
             x.masks.clear();
             for (int i = 0; i < 65; ++i) x.stages.push_back({"s" + std::to_string(i), {"set" + std::to_string(i)}});
         }},
        {"plan: stages[1].name repeats", [](Plan& x) { x.stages[1].name = "contacts"; }},
        {"plan: stages[0].name may hold only", [](Plan& x) { x.stages[0].name = "con tacts"; }},
        {"plan: stages[0].name must be 1 to 64", [](Plan& x) { x.stages[0].name = std::string(65, 'a'); }},
        {"plan: stages[1].sets[1] names a set that is already", [](Plan& x) { x.stages[1].sets[1] = "customers"; }},
        {"plan: stages[1].sets[1] names a set that is already", [](Plan& x) { x.stages[1].sets[1] = "orders"; }},
        {"plan: stages[0].sets must hold 1 to 16", [](Plan& x) { x.stages[0].sets.clear(); }},
        {"plan: stages[0].sets must hold 1 to 16",
         [](Plan& x) {
             x.stages[0].sets.clear();
             for (int i = 0; i < 17; ++i) x.stages[0].sets.push_back("t" + std::to_string(i));
         }},
        {"plan: masks[0].rule is not one of", [](Plan& x) { x.masks[0].rule = "hash"; }},
        {"plan: masks[0].set names a set that is in no stage", [](Plan& x) { x.masks[0].set = "suppliers"; }},
        {"plan: masks[1] is a second rule", [](Plan& x) { x.masks[1].field = "phone"; }},
        {"plan: masks[0].field is empty", [](Plan& x) { x.masks[0].field.clear(); }},
        {"plan: masks holds more than 256",
         [](Plan& x) {
             x.masks.clear();
             for (int i = 0; i < 257; ++i) x.masks.push_back({"orders", "f" + std::to_string(i), "keep"});
         }},
        {"plan: created_at is negative", [](Plan& x) { x.created_at = -1; }},
    };
    for (const auto& c : cases) {
        INFO(c.names);
        Plan plan = sample_plan(p);
        c.mutate(plan);
        require_bad_input(validate_plan(plan), c.names);
        // Invalid UTF-8 never reaches our checks on the wire: protobuf refuses the whole body.
        const bool utf8 = std::string(c.names).find("UTF-8") != std::string::npos;
        require_bad_input(open_plan(sign_plan(plan, p.seller)), utf8 ? "plan: body is malformed" : c.names);
    }
}

TEST_CASE("a plan id that is not 16 bytes and a party key that is not 32 are refused",
          "[handover][statements][bounds]") {
    const Parties p;
    const Bytes body = encode_plan_body(sample_plan(p));
    require_bad_input(open_plan(resign(StatementKind::plan, with_field(body, 3, Bytes(15, 1)), p.seller)),
                      "plan: plan_id must be 16 bytes");
    Bytes short_buyer = with_field({}, 1, Bytes(31, 1));
    require_bad_input(decode_plan_body(with_field(body, 5, short_buyer)), "plan: buyer.key must be 32 bytes");
    require_bad_input(decode_plan_body(with_varint(body, 1, 2)), "plan: version is 2");
    require_bad_input(decode_plan_body(with_varint(body, 99, 2)), "unknown fields");
    // An unknown field inside a nested message (a stage) is refused too.
    require_bad_input(decode_plan_body(with_field(body, 7, with_varint(with_field({}, 1, as_bytes("x")), 9, 1))),
                      "unknown fields");
}

struct ManifestCase {
    const char* names;
    std::function<void(Manifest&)> mutate;
};

TEST_CASE("manifests out of bounds or inconsistent are refused, naming the field",
          "[handover][statements][bounds]") {
    const Parties p;
    const std::vector<ManifestCase> cases = {
        {"manifest: chunk_size is outside", [](Manifest& m) { m.chunk_size = 4095; }},
        {"manifest: chunk_size is outside", [](Manifest& m) { m.chunk_size = (16u << 20) + 1; }},
        {"manifest: chunk_count is 0", [](Manifest& m) { m.chunk_count = 0; }},
        {"manifest: chunk_count does not match", [](Manifest& m) { m.chunk_count = 4; m.ciphertext_bytes += 16; }},
        {"manifest: chunk_count does not match", [](Manifest& m) { m.plaintext_bytes = 2 * 65536; }},
        {"manifest: ciphertext_bytes", [](Manifest& m) { m.ciphertext_bytes -= 1; }},
        {"manifest: sets must hold 1 to 16", [](Manifest& m) { m.sets.clear(); }},
        {"manifest: sets must hold 1 to 16", [](Manifest& m) { m.sets.resize(17, m.sets[1]); }},
        {"manifest: sets[1].name repeats", [](Manifest& m) { m.sets[1].name = "orders"; }},
        {"manifest: sets[0].name is longer than 128", [](Manifest& m) { m.sets[0].name = std::string(129, 's'); }},
        {"manifest: sets[1].schema_json is empty", [](Manifest& m) { m.sets[1].schema_json.clear(); }},
        {"manifest: sets[0].columns[1] repeats", [](Manifest& m) { m.sets[0].columns[1] = "id"; }},
        {"manifest: sets[0].columns holds more than 1024",
         [](Manifest& m) {
             m.sets[0].columns.clear();
             for (int i = 0; i < 1025; ++i) m.sets[0].columns.push_back("c" + std::to_string(i));
         }},
        {"manifest: sets[0].totals[0].sum is not a decimal", [](Manifest& m) { m.sets[0].totals[0].sum = "12."; }},
        {"manifest: sets[0].totals[0].sum is not a decimal", [](Manifest& m) { m.sets[0].totals[0].sum = "1e5"; }},
        {"manifest: sets[0].totals[0].sum must be 1 to 64",
         [](Manifest& m) { m.sets[0].totals[0].sum = std::string(65, '9'); }},
        {"manifest: sets[1].masks[0].rule is not one of", [](Manifest& m) { m.sets[1].masks[0].rule = "redact"; }},
        {"manifest: sets[0].masks[2] repeats", [](Manifest& m) { m.sets[0].masks[2].field = "id"; }},
        {"manifest: stage may hold only", [](Manifest& m) { m.stage = "led/ger"; }},
        {"manifest: stage_number is beyond", [](Manifest& m) { m.stage_number = 64; }},
        {"manifest: deal", [](Manifest& m) { m.deal.clear(); }},
        {"manifest: encoded body is larger than",
         [](Manifest& m) { m.sets[0].schema_json = std::string(kMaxStatementBytes, ' '); }},
    };
    for (const auto& c : cases) {
        INFO(c.names);
        Manifest m = sample_manifest(fixed_digest(1));
        c.mutate(m);
        require_bad_input(validate_manifest(m), c.names);
        auto opened = open_manifest(sign_manifest(m, p.seller));
        REQUIRE_FALSE(opened);
        CHECK(opened.error().kind() == ErrorKind::bad_input);
    }
}

TEST_CASE("31- or 33-byte hashes in any statement are refused, naming the field", "[handover][statements][bounds]") {
    const Parties p;
    const auto s = sample_statements(p);
    struct HashCase {
        const Signed* st;
        const crypto::Ed25519KeyPair* key;
        uint32_t field;
        const char* names;
    };
    const HashCase cases[] = {
        {&s.countersign, &p.buyer, 3, "countersign: plan_hash must be 32 bytes"},
        {&s.manifest, &p.seller, 3, "manifest: plan_hash must be 32 bytes"},
        {&s.manifest, &p.seller, 10, "manifest: merkle_root must be 32 bytes"},
        {&s.manifest, &p.seller, 11, "manifest: plaintext_digest must be 32 bytes"},
        {&s.delivered, &p.buyer, 7, "receipt: manifest_hash must be 32 bytes"},
        {&s.delivered, &p.buyer, 8, "receipt: merkle_root must be 32 bytes"},
        {&s.key_release, &p.seller, 5, "key_release: manifest_hash must be 32 bytes"},
        {&s.key_release, &p.seller, 6, "key_release: sealed_key_hash must be 32 bytes"},
    };
    for (const auto& c : cases) {
        for (size_t n : {size_t{0}, size_t{31}, size_t{33}}) {
            INFO(c.names << " with " << n << " bytes");
            Signed bad = resign(c.st->kind, with_field(c.st->body, c.field, Bytes(n, 0x5a)), *c.key);
            auto r = open_any(bad);
            require_bad_input(r, c.names);
        }
    }
}

TEST_CASE("receipts carry a reason exactly when rejected", "[handover][statements][bounds]") {
    Receipt r = sample_receipt(fixed_digest(1), fixed_digest(2), ReceiptKind::delivered);
    r.reason_code = "count_mismatch";
    require_bad_input(validate_receipt(r), "receipt: reason_code is set on a receipt that is not rejected");
    r.reason_code.clear();
    r.reason_detail = "why";
    require_bad_input(validate_receipt(r), "receipt: reason_detail is set");

    Receipt rej = sample_receipt(fixed_digest(1), fixed_digest(2), ReceiptKind::rejected);
    rej.reason_code.clear();
    require_bad_input(validate_receipt(rej), "receipt: reason_code must be 1 to 64");
    rej.reason_code = "Count-Mismatch";
    require_bad_input(validate_receipt(rej), "receipt: reason_code may hold only");
    rej.reason_code = "count_mismatch";
    rej.reason_detail = std::string(kMaxReasonBytes + 1, 'x');
    require_bad_input(validate_receipt(rej), "receipt: reason_detail is longer than 1024");
    rej.reason_detail.clear();
    CHECK(validate_receipt(rej));  // a rejection without a detail is fine

    const Parties p;
    const auto s = sample_statements(p);
    require_bad_input(decode_receipt_body(with_varint(s.delivered.body, 6, 7)), "receipt: kind is unknown");
    require_bad_input(decode_receipt_body(with_varint(s.delivered.body, 6, 0)), "receipt: kind is unknown");
}

TEST_CASE("countersignatures and key releases out of bounds are refused", "[handover][statements][bounds]") {
    Countersign c = sample_countersign(fixed_digest(1));
    c.deal = std::string(65, 'D');
    require_bad_input(validate_countersign(c), "countersign: deal");
    KeyRelease k = sample_key_release(fixed_digest(1));
    k.stage.clear();
    require_bad_input(validate_key_release(k), "key_release: stage must be 1 to 64");
    k = sample_key_release(fixed_digest(1));
    k.released_at = -5;
    require_bad_input(validate_key_release(k), "key_release: released_at is negative");
}

TEST_CASE("the sample statements pass their own checks and fit one envelope", "[handover][statements]") {
    const Parties p;
    CHECK(validate_plan(sample_plan(p)));
    CHECK(validate_countersign(sample_countersign(fixed_digest(1))));
    CHECK(validate_manifest(sample_manifest(fixed_digest(1))));
    CHECK(validate_receipt(sample_receipt(fixed_digest(1), fixed_digest(2), ReceiptKind::accepted)));
    CHECK(validate_key_release(sample_key_release(fixed_digest(1))));
    // The largest body validate_* allows still makes an envelope decode_signed accepts.
    Manifest m = sample_manifest(fixed_digest(1));
    const size_t base = encode_manifest_body(m).size();
    m.sets[0].schema_json += std::string(kMaxStatementBytes - 128 - base, ' ');
    // The longer string has longer length prefixes: take those bytes back off.
    const size_t excess = encode_manifest_body(m).size() - (kMaxStatementBytes - 128);
    m.sets[0].schema_json.resize(m.sets[0].schema_json.size() - excess);
    REQUIRE(encode_manifest_body(m).size() == kMaxStatementBytes - 128);
    REQUIRE(validate_manifest(m));
    auto back = decode_signed(encode_signed(sign_manifest(m, p.seller)));
    REQUIRE(back);
    CHECK(open_manifest(*back));
}

}  // namespace
}  // namespace baton::handover
