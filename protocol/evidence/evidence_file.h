// The evidence file (docs/evidence.md): every signed object of one deal, in one file, for offline
// verification (protocol/evidence/verify.h). Pure codec: bytes in, validated structure out.
//
// Layout (all integers big-endian):
//   magic    8 bytes  "BATONEVD"
//   version  u32      1
//   fields   tag u8, length u32, value[length]   — tags in ascending order (a repeated field's
//            items are adjacent, in the order the verifier requires); singular fields at most once
//   end      tag 0xFF, length 0, and then nothing at all
// Tags: 1 deal (UTF-8 deal id), 2 certificate, 3 revocation list, 4 plan, 5 countersignature,
// 6 manifest, 7 receipt, 8 key release, 9 log leaf, 10 checkpoint, 11 refused statement
// (u64 index of the refusal's leaf || the refused envelope), 12 producer (signer key 32 bytes ||
// Ed25519 signature 64 bytes, in context "evidence-file", over every byte of the file before this
// field). Certificates and revocation lists are certs/ envelopes, the others statement envelopes
// exactly as encode_signed gives them. The producer — the party whose home wrote the file —
// signs it so that nothing can be left out of it unnoticed, not even the last receipt.
//
// The decoder refuses (bad_input, naming the byte offset and field): a wrong magic or version, an
// unknown tag, tags out of order, a singular field twice, a missing deal or plan, an item larger
// than its bound or more items than a field allows, a byte-identical item twice in one field, a
// length past the end, a missing producer signature or end marker and any byte after it. It does not decode the items:
// that, and every other check, is the verifier's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/crypto.h"
#include "core/status.h"

namespace baton::evidence {

inline constexpr char kMagic[8] = {'B', 'A', 'T', 'O', 'N', 'E', 'V', 'D'};
inline constexpr uint32_t kVersion = 1;

// Bounds. A deal has at most 64 stages (handover::kMaxStages) with a handful of statements each;
// the witness log holds those and its refusals, one checkpoint per submission.
inline constexpr size_t kMaxEvidenceBytes = 64u << 20;
inline constexpr size_t kMaxCertificates = 8;
inline constexpr size_t kMaxRevocationLists = 64;
inline constexpr size_t kMaxManifests = 64;
inline constexpr size_t kMaxReceipts = 64 * 6;
inline constexpr size_t kMaxKeyReleases = 64;
inline constexpr size_t kMaxLogLeaves = 4096;
inline constexpr size_t kMaxCheckpoints = 8192;
inline constexpr size_t kMaxRefused = 1024;

struct RefusedStatement {
    uint64_t refusal_index = 0;  // the leaf index of the witness's signed Refusal
    Bytes envelope;              // the refused statement, exactly as submitted
};

// The producer's signature (tag 12).
struct Producer {
    crypto::PublicKey key{};
    crypto::Signature signature{};
};

inline constexpr std::string_view kProducerContext = "evidence-file";

struct EvidenceFile {
    std::string deal;
    std::vector<Bytes> certificates;      // certs/ envelopes: seller, buyer, witness
    std::vector<Bytes> revocation_lists;  // certs/ envelopes
    Bytes plan;                           // statement envelopes from here on
    std::optional<Bytes> countersign;
    std::vector<Bytes> manifests;
    std::vector<Bytes> receipts;
    std::vector<Bytes> key_releases;
    std::vector<Bytes> log_leaves;        // in log order, index 0 first
    std::vector<Bytes> checkpoints;       // by tree size
    std::vector<RefusedStatement> refused;
    Producer producer;                    // set by sign_evidence
};

// REQUIRES: the fields are within the bounds above (as decode_evidence would accept them).
Bytes encode_evidence(const EvidenceFile& f);
// The bytes the producer signs: the encoding up to the producer field.
Bytes producer_signed_bytes(const EvidenceFile& f);
// Signs the file as its producer (sets f.producer).
void sign_evidence(EvidenceFile& f, const crypto::Ed25519KeyPair& producer);
// Whether f.producer's signature holds over producer_signed_bytes(f).
bool producer_signature_holds(const EvidenceFile& f);
// Fails (bad_input) as the header comment says.
Result<EvidenceFile> decode_evidence(ByteView bytes);

}  // namespace baton::evidence
