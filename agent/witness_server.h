// The witness's side of `baton serve` (docs/witness.md): for a session whose peer is a deal's
// seller and where this agent holds the deal's witness certificate, each WitnessSubmit is judged
// by the deal's log rules (protocol/witness/log.h) and answered with a WitnessReply: the
// statement's leaf index (appended or already there) or the witness's signed Refusal logged in
// its place, a freshly signed checkpoint over the whole log, the inclusion proof of that leaf and
// the consistency proof from the size the seller holds.
//
// Durability: the leaf (or the refusal and the refused statement), the checkpoint and an audit
// row are committed in one transaction before the reply is sent.
// A submission that cannot be logged (no plan yet and this is not a plan naming this witness for
// this deal and this seller; a full log; a known_size beyond the log) ends the session with a
// Refusal naming the reason code; nothing is stored.
//
// Threading: a WitnessLogs is used only on the DbWorker's thread (inside DbWorker::run), which
// also serialises submissions from concurrent sessions.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "agent/db_worker.h"
#include "agent/outbox.h"
#include "certs/types.h"
#include "protocol/session/codec.h"
#include "protocol/witness/log.h"

namespace baton::agent {

// The witness's logs, loaded from the database on first use and kept in memory (hashes only).
class WitnessLogs {
public:
    explicit WitnessLogs(const crypto::Ed25519KeyPair& identity) : identity_(identity) {}

    // The answer to one submission from the authenticated `seller` for `deal`: a reply, or the
    // refusal that ends the session. Fails (io) on storage errors.
    Result<std::variant<witness::WitnessReply, session::Refusal>> submit(storage::Database& db, const std::string& deal,
                                                                         const crypto::PublicKey& seller,
                                                                         const witness::WitnessSubmit& m, UnixTime now);

private:
    Result<witness::WitnessLog*> log_for(storage::Database& db, const std::string& deal);
    Result<Bytes> checkpoint_for(storage::Database& db, const witness::WitnessLog& log, UnixTime now);

    const crypto::Ed25519KeyPair& identity_;
    std::map<std::string, witness::WitnessLog> logs_;
};

// One session with a seller: answers each WitnessSubmit in turn.
class WitnessSession {
public:
    // Everything referenced must outlive the session.
    WitnessSession(DbWorker& db, WitnessLogs& logs, const certs::Certificate& peer, std::string deal, Outbox& out,
                   nlohmann::json log_fields);
    // Handles one message. An error ends the session (a Refusal has been queued).
    asio::awaitable<Status> on_message(const session::SessionMessage& m);

private:
    DbWorker& db_;
    WitnessLogs& logs_;
    certs::Certificate peer_;
    std::string deal_;
    Outbox& out_;
    nlohmann::json fields_;
    bool certificate_saved_ = false;
};

}  // namespace baton::agent
