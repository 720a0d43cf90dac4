// Merkle tree vectors (../shared/vectors/merkle/README.md) through core/merkle.h instantiated
// with SHA-256. The three files are told apart by shape:
//  - rfc6962_sha256_reference_tree.json (object with "roots_by_tree_size"): every leaf hash and
//    the root of every prefix 0..8 of the reference tree, by the streaming Builder and by root().
//  - transparency-dev_inclusion_proofs.json (array of {leafIdx, treeSize, ...}) and
//  - transparency-dev_consistency_proofs.json (array of {size1, size2, ...}): our verifier's
//    verdict must equal `wantErr` (hashes are standard base64; `proof` may be null). For every
//    wantErr=false case that lies on the reference tree (its roots and leaf are the reference
//    tree's), our proof generation must also reproduce the given proof exactly.
// The reference tree's leaves are the public transparency-dev testonly constants; they are
// written here too (so the proof files can be regenerated alone) and checked against the
// reference-tree file when that file is run.
#include <array>
#include <map>
#include <string>

#include "core/merkle.h"
#include "tests/vectors/runner.h"

namespace baton::vectors {

namespace {

constexpr std::array<const char*, 8> kReferenceLeaves = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
};

const merkle::Hasher& hasher() { return merkle::sha256_hasher(); }

std::vector<Bytes> reference_leaf_hashes() {
    std::vector<Bytes> out;
    for (const char* hex : kReferenceLeaves) out.push_back(merkle::leaf_hash(hasher(), *from_hex(hex)));
    return out;
}

// Root of the first n reference leaves (n <= 8).
Bytes reference_root(size_t n) {
    const auto leaves = reference_leaf_hashes();
    return *merkle::root(hasher(), std::span<const Bytes>(leaves).first(n));
}

Bytes b64_field(const nlohmann::json& obj, const char* key) {
    auto r = from_base64(obj.at(key).get<std::string>(), key);
    if (!r) throw std::runtime_error(r.error().message());
    return *r;
}

merkle::Proof proof_field(const nlohmann::json& obj) {
    merkle::Proof proof;
    const auto& p = obj.at("proof");
    if (p.is_null()) return proof;
    for (const auto& element : p) {
        auto r = from_base64(element.get<std::string>(), "proof");
        if (!r) throw std::runtime_error(r.error().message());
        proof.push_back(*r);
    }
    return proof;
}

std::string verdict_name(const nlohmann::json& v, const Status& s) {
    return v.at("file").get<std::string>() + " (" + v.at("desc").get<std::string>() +
           (v.at("wantErr").get<bool>() ? ", wantErr" : ", ok") + "; ours: " + (s ? "ok" : s.error().message()) + ")";
}

void check_reference_tree(const nlohmann::json& doc, Tally& tally) {
    const auto& leaves = doc.at("leaves");
    const auto& want_hashes = doc.at("leaf_hashes");
    bool same_leaves = leaves.size() == kReferenceLeaves.size();
    for (size_t i = 0; same_leaves && i < leaves.size(); ++i) same_leaves = leaves[i] == kReferenceLeaves[i];
    tally.check(same_leaves, "reference leaves equal the ones the proof checks regenerate from");

    merkle::Builder builder(hasher());
    std::vector<Bytes> hashes;
    const auto& roots = doc.at("roots_by_tree_size");
    for (size_t n = 0; n <= leaves.size(); ++n) {
        const std::string key = std::to_string(n);
        if (!roots.contains(key)) throw std::runtime_error("no root for tree size " + key);
        const Bytes want = hex_field(roots, key.c_str());
        const auto whole = merkle::root(hasher(), hashes);
        tally.check(builder.size() == n && builder.root() == want && whole && *whole == want, "root of size " + key);
        if (n == leaves.size()) break;
        auto data = from_hex(leaves[n].get<std::string>(), "leaf");
        if (!data) throw std::runtime_error(data.error().message());
        hashes.push_back(merkle::leaf_hash(hasher(), *data));
        builder.add_leaf(*data);
        auto want_hash = from_hex(want_hashes.at(n).get<std::string>(), "leaf_hashes");
        tally.check(want_hash && hashes.back() == *want_hash, "leaf hash " + std::to_string(n));
    }
    if (roots.size() != leaves.size() + 1) throw std::runtime_error("unexpected number of roots");
}

void check_inclusion(const nlohmann::json& doc, Tally& tally) {
    const auto ref = reference_leaf_hashes();
    int regenerated = 0;
    for (const auto& v : doc) {
        const auto index = v.at("leafIdx").get<uint64_t>();
        const auto size = v.at("treeSize").get<uint64_t>();
        const Bytes root = b64_field(v, "root");
        const Bytes leaf = b64_field(v, "leafHash");
        const merkle::Proof proof = proof_field(v);
        const bool want_err = v.at("wantErr").get<bool>();
        const Status s = merkle::verify_inclusion(hasher(), index, size, leaf, proof, root);
        bool ok = s.ok() == !want_err;
        if (ok && !want_err && index < size && size <= ref.size() && leaf == ref[index] && root == reference_root(size)) {
            const auto gen = merkle::inclusion_proof(hasher(), std::span<const Bytes>(ref).first(size), index);
            ok = gen && *gen == proof;
            ++regenerated;
        }
        tally.check(ok, verdict_name(v, s));
    }
    tally.note(std::to_string(regenerated) + " inclusion proofs regenerated from the reference tree");
}

void check_consistency(const nlohmann::json& doc, Tally& tally) {
    const auto ref = reference_leaf_hashes();
    int regenerated = 0;
    for (const auto& v : doc) {
        const auto size1 = v.at("size1").get<uint64_t>();
        const auto size2 = v.at("size2").get<uint64_t>();
        const Bytes root1 = b64_field(v, "root1");
        const Bytes root2 = b64_field(v, "root2");
        const merkle::Proof proof = proof_field(v);
        const bool want_err = v.at("wantErr").get<bool>();
        const Status s = merkle::verify_consistency(hasher(), size1, size2, proof, root1, root2);
        bool ok = s.ok() == !want_err;
        if (ok && !want_err && size2 <= ref.size() && root1 == reference_root(size1) &&
            root2 == reference_root(size2)) {
            const auto gen = merkle::consistency_proof(hasher(), std::span<const Bytes>(ref).first(size2), size1);
            ok = gen && *gen == proof;
            ++regenerated;
        }
        tally.check(ok, verdict_name(v, s));
    }
    tally.note(std::to_string(regenerated) + " consistency proofs regenerated from the reference tree");
}

}  // namespace

void check_merkle(const nlohmann::json& doc, Tally& tally) {
    if (doc.is_object() && doc.contains("roots_by_tree_size")) return check_reference_tree(doc, tally);
    if (doc.is_array() && !doc.empty() && doc[0].contains("leafIdx")) return check_inclusion(doc, tally);
    if (doc.is_array() && !doc.empty() && doc[0].contains("size1")) return check_consistency(doc, tally);
    throw std::runtime_error("not a merkle vector file (reference tree, inclusion or consistency)");
}

}  // namespace baton::vectors
