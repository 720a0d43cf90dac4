// Writes the seed corpora of the session fuzz targets (checked in under tests/fuzz/corpus/):
//   make_fuzz_seeds DIR   → DIR/fuzz_frame_decoder/*, DIR/fuzz_session_responder/*,
//                           DIR/fuzz_statement_decoder/*
// The seeds are genuine transcripts of the test deal (tests/protocol/session_test_support.h);
// every key and the clock are fixed, so the output is the same on every run and the recorded
// frames are valid inputs for the responder target.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/harden.h"
#include "tests/protocol/handover_test_support.h"
#include "tests/protocol/session_test_support.h"

namespace {

using namespace baton;
using namespace baton::session;
using namespace baton::session::test;
namespace fs = std::filesystem;

void write(const fs::path& dir, const std::string& name, const Bytes& data) {
    fs::create_directories(dir);
    std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (!out) {
        std::fprintf(stderr, "cannot write %s\n", (dir / name).c_str());
        std::exit(1);
    }
}

Bytes payload_of(const Bytes& encoded_frame) {
    return Bytes(encoded_frame.begin() + kFrameHeader, encoded_frame.end());
}

// The frame decoder's input layout: [n][n bytes] chunks.
Bytes chunked(const Bytes& stream, size_t chunk) {
    Bytes out;
    for (size_t at = 0; at < stream.size(); at += chunk) {
        const size_t n = std::min(chunk, stream.size() - at);
        out.push_back(static_cast<uint8_t>(n));
        out.insert(out.end(), stream.begin() + static_cast<std::ptrdiff_t>(at),
                   stream.begin() + static_cast<std::ptrdiff_t>(at + n));
    }
    return out;
}

// The responder's "frames" layout: mode 0, count-1, the lengths of all frames but the last.
Bytes frames_input(const std::vector<Bytes>& frames) {
    Bytes out{0x00, static_cast<uint8_t>(frames.size() - 1)};
    for (size_t i = 0; i + 1 < frames.size(); ++i) {
        out.push_back(static_cast<uint8_t>(frames[i].size() >> 8));
        out.push_back(static_cast<uint8_t>(frames[i].size()));
    }
    for (const auto& f : frames) append(out, f);
    return out;
}

Bytes payload_input(const HandshakePayload& p) {
    Bytes out{0x01};
    append(out, encode_handshake_payload(p));
    return out;
}

struct Transcript {
    std::vector<Bytes> encoded;  // as on the wire
    std::vector<Bytes> frames;   // payloads of the frames sent by the initiator
    std::optional<SecureChannel> initiator_channel;
};

Transcript record(const TestDeal& d, Credentials seller_creds, const std::string& deal = kDeal) {
    auto init = make_initiator(d.seller, std::move(seller_creds), d.trust, deal);
    auto resp = make_responder(d.buyer, TestDeal::credentials(d.buyer), d.trust);
    Transcript t;
    t.encoded = pump(init, resp).encoded_frames;
    for (size_t i : {size_t{0}, size_t{1}, size_t{3}})
        if (i < t.encoded.size()) t.frames.push_back(payload_of(t.encoded[i]));
    if (auto c = init.take_channel()) t.initiator_channel.emplace(std::move(c).value());
    return t;
}

void frame_decoder_seeds(const TestDeal& d, const fs::path& dir) {
    Transcript good = record(d, TestDeal::credentials(d.seller));
    Bytes stream;
    for (const auto& f : good.encoded) append(stream, f);
    write(dir, "handshake_chunks_7", chunked(stream, 7));
    write(dir, "handshake_chunks_255", chunked(stream, 255));
    Bytes messages;
    for (const SessionMessage& m : {SessionMessage(Welcome{}), SessionMessage(Ping{1}), SessionMessage(Pong{1}),
                                    SessionMessage(Refusal{"wrong_role", "a seller does not meet a seller"})})
        append(messages, encode_frame(encode_session_message(m)));
    append(messages, encode_frame(encode_hello(kDeal)));
    append(messages, encode_frame(encode_handshake_payload(
                         signed_payload(d.seller.identity, d.seller.certificate, d.seller.noise_seed))));
    append(messages, encode_frame(encode_handshake_payload({{}, {}, Refusal{"expired", "yesterday"}})));
    write(dir, "plain_messages_chunks_3", chunked(messages, 3));
    write(dir, "plain_messages_chunks_64", chunked(messages, 64));
    Bytes huge{0xff, 0xff, 0xff, 0xff};  // a length claiming 4 GiB
    write(dir, "length_4gib", chunked(huge, 4));
}

void responder_seeds(const TestDeal& d, const fs::path& dir) {
    Transcript good = record(d, TestDeal::credentials(d.seller));
    write(dir, "frames_established", frames_input(good.frames));
    auto with_ping = good.frames;
    with_ping.push_back(good.initiator_channel->seal(Ping{7}).value());
    write(dir, "frames_established_then_ping", frames_input(with_ping));
    CertOptions expired{.not_before = kNow - 9 * kDay, .not_after = kNow - kDay};
    auto expired_seller = TestDeal::credentials(d.seller, d.issue(d.seller, certs::Role::seller, expired));
    write(dir, "frames_expired_initiator", frames_input(record(d, expired_seller).frames));
    auto seller_as_buyer = TestDeal::credentials(d.seller, d.issue(d.seller, certs::Role::buyer));
    write(dir, "frames_initiator_refuses", frames_input(record(d, seller_as_buyer).frames));
    write(dir, "frames_other_deal", frames_input(record(d, TestDeal::credentials(d.seller), kOtherDeal).frames));

    write(dir, "payload_genuine", payload_input(signed_payload(d.seller.identity, d.seller.certificate,
                                                               d.seller.noise_seed)));
    write(dir, "payload_wrong_static_key", payload_input(signed_payload(d.seller.identity, d.second_seller.certificate,
                                                                        d.seller.noise_seed)));
    write(dir, "payload_witness", payload_input(signed_payload(d.witness.identity, d.witness.certificate,
                                                               d.seller.noise_seed)));
    write(dir, "payload_refusal", payload_input({{}, {}, Refusal{"wrong_role", "no"}}));
}

// Genuine signed statements of every kind (envelopes), and their bare bodies.
void statement_seeds(const fs::path& dir) {
    const handover::test::Parties parties;
    const auto s = handover::test::sample_statements(parties);
    const std::pair<const char*, const handover::Signed*> all[] = {
        {"plan", &s.plan},         {"countersign", &s.countersign}, {"manifest", &s.manifest},
        {"receipt_delivered", &s.delivered}, {"receipt_rejected", &s.rejected}, {"key_release", &s.key_release}};
    for (const auto& [name, st] : all) {
        write(dir, std::string("envelope_") + name, handover::encode_signed(*st));
        write(dir, std::string("body_") + name, st->body);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_fuzz_seeds DIR\n");
        return 2;
    }
    if (!harden_process()) return 1;
    const TestDeal deal;
    const fs::path root(argv[1]);
    frame_decoder_seeds(deal, root / "fuzz_frame_decoder");
    responder_seeds(deal, root / "fuzz_session_responder");
    statement_seeds(root / "fuzz_statement_decoder");
    return 0;
}
