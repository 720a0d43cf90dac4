// storage/witness_store.h: logs and mirrors keep exact bytes per index (same again ok, different
// a conflict), checkpoints by tree size (the first signing of a size kept), refused statements,
// and the peers' certificates replaced per (deal, role). Deals do not see each other's rows.
#include <catch2/catch.hpp>

#include "storage/witness_store.h"
#include "storage_test_util.h"

using namespace baton;
using namespace baton::storage;
using namespace baton::storage::testing;

namespace {
Bytes b(std::initializer_list<uint8_t> v) { return Bytes(v); }
}  // namespace

TEST_CASE("witness store: log leaves by index, idempotent, conflicting bytes refused", "[witness_store]") {
    TempDir dir;
    auto db = open_db(dir.file("baton.db"));
    REQUIRE(put_log_leaf(db, "D-1", 0, b({1, 2})));
    REQUIRE(put_log_leaf(db, "D-1", 2, b({3})));
    REQUIRE(put_log_leaf(db, "D-1", 1, b({4, 5, 6})));
    REQUIRE(put_log_leaf(db, "D-1", 1, b({4, 5, 6})));  // the same again
    const Status clash = put_log_leaf(db, "D-1", 1, b({4, 5, 7}));
    REQUIRE_FALSE(clash);
    CHECK(clash.error().kind() == ErrorKind::conflict);
    REQUIRE(put_log_leaf(db, "D-2", 0, b({9})));
    auto leaves = log_leaves(db, "D-1");
    REQUIRE(leaves);
    REQUIRE(leaves->size() == 3);
    CHECK((*leaves)[0] == b({1, 2}));
    CHECK((*leaves)[1] == b({4, 5, 6}));
    CHECK((*leaves)[2] == b({3}));
    auto indexed = indexed_log_leaves(db, "D-2");
    REQUIRE(indexed);
    REQUIRE(indexed->size() == 1);
    CHECK((*indexed)[0].first == 0);
    auto deals = log_deals(db);
    REQUIRE(deals);
    CHECK(*deals == std::vector<std::string>{"D-1", "D-2"});
}

TEST_CASE("witness store: checkpoints by tree size, first signing kept", "[witness_store]") {
    TempDir dir;
    auto db = open_db(dir.file("baton.db"));
    auto none = latest_checkpoint(db, "D-1");
    REQUIRE(none);
    CHECK_FALSE(none->has_value());
    REQUIRE(save_checkpoint(db, "D-1", 5, b({5})));
    REQUIRE(save_checkpoint(db, "D-1", 2, b({2})));
    REQUIRE(save_checkpoint(db, "D-1", 5, b({55})));  // signed again later: the first is kept
    auto all = checkpoints(db, "D-1");
    REQUIRE(all);
    CHECK(*all == std::vector<Bytes>{b({2}), b({5})});
    auto latest = latest_checkpoint(db, "D-1");
    REQUIRE(latest);
    REQUIRE(latest->has_value());
    CHECK((*latest)->first == 5);
    CHECK((*latest)->second == b({5}));
    CHECK(checkpoints(db, "D-2")->empty());
}

TEST_CASE("witness store: refused statements and peer certificates", "[witness_store]") {
    TempDir dir;
    auto db = open_db(dir.file("baton.db"));
    REQUIRE(save_refused_statement(db, "D-1", 4, b({7, 7})));
    REQUIRE(save_refused_statement(db, "D-1", 4, b({7, 7})));
    CHECK(save_refused_statement(db, "D-1", 4, b({7, 8})).error().kind() == ErrorKind::conflict);
    auto refused = refused_statements(db, "D-1");
    REQUIRE(refused);
    REQUIRE(refused->size() == 1);
    CHECK((*refused)[0].first == 4);
    CHECK((*refused)[0].second == b({7, 7}));

    REQUIRE(save_peer_certificate(db, "D-1", "witness", b({1}), 100));
    REQUIRE(save_peer_certificate(db, "D-1", "buyer", b({2}), 100));
    REQUIRE(save_peer_certificate(db, "D-1", "buyer", b({3}), 200));  // replaced
    REQUIRE(save_peer_certificate(db, "D-2", "seller", b({4}), 100));
    auto certs = peer_certificates(db, "D-1");
    REQUIRE(certs);
    REQUIRE(certs->size() == 2);
    CHECK((*certs)[0].role == "buyer");
    CHECK((*certs)[0].envelope == b({3}));
    CHECK((*certs)[0].deal == "D-1");
    CHECK((*certs)[1].role == "witness");
    CHECK((*certs)[1].envelope == b({1}));
}
