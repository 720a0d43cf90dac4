// bench_handshake_rate [SECONDS]: how many complete Baton session handshakes one core runs per
// second, in memory: a seller's initiator and a buyer's responder (protocol/session/handshake.h:
// Hello, Noise_XX_25519_ChaChaPoly_BLAKE2b, each side's deal certificate checked against the
// trusted authority, role compatibility, the identity signature over the Noise static key, the
// Welcome) driven by the in-memory frame pump of the session tests, each handshake with fresh
// random ephemeral keys, both transports split off at the end. No sockets, no process start, no
// database: the cryptographic and protocol cost only. Runs for SECONDS (default 3) and prints
//   handshakes_per_second=N handshakes=N seconds=N
// Fails (exit 1) if any handshake does not establish on both sides.
#include <sodium.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "core/crypto.h"
#include "tests/protocol/session_test_support.h"

namespace {

using namespace baton;
using namespace baton::session;
using Clock = std::chrono::steady_clock;

// One handshake between deal.seller (initiator) and deal.buyer (responder); whether both ends
// established and yielded a transport.
bool one_handshake(const test::TestDeal& deal) {
    auto init_config = test::session_config(deal.seller, deal.trust);
    init_config.ephemeral = [] { return crypto::random_secret<32>(); };
    auto resp_config = test::session_config(deal.buyer, deal.trust);
    resp_config.ephemeral = [] { return crypto::random_secret<32>(); };
    auto init = BatonHandshake::initiator(test::kDeal, test::TestDeal::credentials(deal.seller), std::move(init_config));
    const auto buyer = test::TestDeal::credentials(deal.buyer);
    auto resp = BatonHandshake::responder([&](const std::string&) { return std::optional<Credentials>(buyer); },
                                          std::move(resp_config));
    const auto r = test::pump(init, resp);
    if (!r.initiator.established() || !r.responder.established()) return false;
    return static_cast<bool>(init.take_channel()) && static_cast<bool>(resp.take_channel());
}

}  // namespace

int main(int argc, char** argv) {
    const double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
    if (argc > 2 || !(seconds > 0 && seconds <= 600)) {
        std::fprintf(stderr, "usage: bench_handshake_rate [SECONDS (0-600], default 3]\n");
        return 2;
    }
    if (sodium_init() < 0) return 1;
    const test::TestDeal deal;
    const auto t0 = Clock::now();
    uint64_t n = 0;
    double elapsed = 0;
    do {
        if (!one_handshake(deal)) {
            std::fprintf(stderr, "bench_handshake_rate: handshake %llu did not establish\n",
                         static_cast<unsigned long long>(n + 1));
            return 1;
        }
        ++n;
        elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    } while (elapsed < seconds);
    std::printf("handshakes_per_second=%.0f handshakes=%llu seconds=%.2f\n", static_cast<double>(n) / elapsed,
                static_cast<unsigned long long>(n), elapsed);
    return 0;
}
