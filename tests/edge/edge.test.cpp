// The edge on its own, with real sockets: a stand-in for the node's CAF
// behind it (taking socket pairs), byte-level peers and real certificates
// in front.
#include <catch2/catch.hpp>

#include <algorithm>
#include <condition_variable>


#include "edge/edge.hpp"
#include "tests/support/actor_fixture.hpp"
#include "tests/support/basp_frames.hpp"
#include "tests/support/certificates.hpp"
#include "tests/support/images.hpp"
#include "tests/support/socket_peer.hpp"

using namespace fovea;
using namespace std::chrono_literals;

namespace {

struct edge_fixture : test::actor_fixture {
  test::fake_caf caf;
  std::vector<std::string> said;
  std::mutex said_mutex;
  std::condition_variable said_more;

  /// Limits small enough to reach in a test; the idle timeout is long
  /// unless a test is about it (a sanitizer build is slow).
  edge_options options(std::shared_ptr<const tls_credentials> credentials,
                       std::chrono::milliseconds idle = 60s) {
    edge_options opts;
    opts.credentials = std::move(credentials);
    opts.limits.max_message_bytes = 1 << 20;
    opts.limits.max_connections = 8;
    opts.limits.max_connections_per_address = 4;
    opts.limits.handshake_timeout = 1500ms;
    opts.limits.idle_timeout = idle;
    opts.say = [this](const std::string& line) {
      {
        std::lock_guard guard{said_mutex};
        said.push_back(line);
      }
      said_more.notify_all();
    };
    return opts;
  }

  /// True once a line the edge said contains `part`; false if none did
  /// within 5 s. The edge may close a connection before it logs why.
  bool said_something(const std::string& part) {
    std::unique_lock guard{said_mutex};
    return said_more.wait_for(guard, std::chrono::seconds(5), [&] {
      return std::any_of(said.begin(), said.end(), [&](auto& line) {
        return line.find(part) != std::string::npos;
      });
    });
  }

  /// The node id of this test's actor system, as the edge sees it.
  std::string my_node() {
    auto bytes = test::serialized(sys, sys.node());
    return {bytes.begin(), bytes.end()};
  }

  /// Attaches `e` to the stand-in CAF and listens.
  uint16_t listen(edge& e) {
    e.attach(caf.side());
    std::string problem;
    auto port = e.listen("127.0.0.1", 0, problem);
    INFO(problem);
    REQUIRE(port);
    return *port;
  }

  // Sends a client handshake and a message; true if the server's greeting
  // comes back and both reach CAF through the edge.
  // As a CAF client does, it sends to the offered actor only once the
  // server's handshake has named it.
  bool speaks_caf(test::socket_peer& peer, caf::node_id node = {}) {
    auto hello = test::client_handshake(sys, node ? node : sys.node());
    auto message = test::direct_message(sys, 5000);
    auto before = caf.received();
    return peer.send(hello)
           && peer.read(caf.greeting().size(), 10s) == caf.greeting()
           && peer.send(message)
           && caf.wait_for_bytes(before + hello.size() + message.size(), 10s);
  }
};

} // namespace

TEST_CASE_METHOD(edge_fixture,
                 "a plain edge relays CAF's frames both ways "
                 "and knows the node behind each connection",
                 "[unit][edge]") {
  edge e{options(nullptr)};
  test::socket_peer peer{"127.0.0.1", listen(e)};
  REQUIRE(peer.connected());
  REQUIRE(speaks_caf(peer));
  auto node = test::serialized(sys, sys.node());
  auto who = e.identify(std::string(node.begin(), node.end()));
  REQUIRE(who);
  CHECK(who->role == peer_role::unauthenticated);
  CHECK_THAT(who->address, Catch::StartsWith("127.0.0.1:"));
  // No connection may speak for the node behind the edge itself.
  test::socket_peer impostor{"127.0.0.1", listen(e)};
  REQUIRE(impostor.send(test::client_handshake(sys, test::fake_caf::node())));
  CHECK(impostor.closed_within(5s));
  CHECK(said_something("names this node itself"));
}

TEST_CASE_METHOD(edge_fixture,
                 "the edge closes the connection of a node it is told to "
                 "let go, and only that one",
                 "[unit][edge]") {
  edge e{options(nullptr)};
  auto port = listen(e);
  test::socket_peer peer{"127.0.0.1", port};
  REQUIRE(peer.connected());
  REQUIRE(speaks_caf(peer));
  test::socket_peer other{"127.0.0.1", port};
  REQUIRE(other.connected());
  e.disconnect(my_node(), "it hung");
  CHECK(peer.closed_within(5s));
  CHECK(said_something("it hung"));
  CHECK_FALSE(e.identify(my_node()));
  // Another node's key closes nothing: the other connection still relays.
  e.disconnect(std::string(32, 'x'), "nobody");
  CHECK(speaks_caf(other, test::some_other_node()));
}

TEST_CASE_METHOD(edge_fixture,
                 "the edge closes a connection whose header "
                 "claims 4 GiB before CAF sees it",
                 "[unit][edge]") {
  edge e{options(nullptr)};
  auto port = listen(e);
  test::socket_peer attacker{"127.0.0.1", port};
  REQUIRE(attacker.send(test::four_gib_header()));
  CHECK(attacker.closed_within(5s));
  CHECK(caf.received() == 0);
  // After the handshake, a message over fovea.max-message-bytes.
  test::socket_peer peer{"127.0.0.1", port};
  REQUIRE(speaks_caf(peer));
  auto before = caf.received();
  // The edge may close while the rest is still being sent.
  peer.send(test::direct_message(sys, (1 << 20) + 1));
  CHECK(peer.closed_within(5s));
  CHECK(caf.received() - before < 64 * 1024 + 32);
}

TEST_CASE_METHOD(edge_fixture,
                 "the edge closes connections that stay silent "
                 "and holds to its connection caps",
                 "[unit][edge]") {
  edge e{options(nullptr, 3s)};
  auto port = listen(e);
  std::vector<std::unique_ptr<test::socket_peer>> idle;
  for (int i = 0; i < 4; ++i)
    idle.push_back(std::make_unique<test::socket_peer>("127.0.0.1", port));
  // The fifth from the same address is over the cap and closed at once.
  test::socket_peer fifth{"127.0.0.1", port};
  CHECK(fifth.closed_within(5s));
  CHECK(said_something("fovea.max-connections-per-address"));
  // The silent ones go after the handshake timeout, and none reached CAF.
  for (auto& peer : idle)
    CHECK(peer->closed_within(5s));
  CHECK(caf.connections() == 0);
  // Room again.
  test::socket_peer later{"127.0.0.1", port};
  CHECK(speaks_caf(later));
  // A relayed connection that goes quiet is closed after the idle timeout.
  CHECK(later.closed_within(10s));
}

TEST_CASE_METHOD(edge_fixture,
                 "a TLS edge relays only for certificates of "
                 "its cluster, and negotiates TLS 1.3",
                 "[unit][edge]") {
  auto dir = test::fresh_dir("edge-tls");
  test::test_pki pki{dir / "pki",
                     {{"coord", peer_role::coordinator},
                      {"w1", peer_role::worker},
                      {"w2", peer_role::worker},
                      {"c2", peer_role::coordinator},
                      {"prometheus", peer_role::monitor}}};
  test::test_pki other{dir / "other", {{"w1", peer_role::worker}}};
  // Handshakes here are not about their timeout: a loaded machine may take
  // its time (this test once failed to relay under a parallel ASan run).
  auto opts = options(pki.credentials("coord"));
  opts.limits.handshake_timeout = 10s;
  edge e{opts};
  auto port = listen(e);

  test::socket_peer worker{"127.0.0.1", port, pki.credentials("w1")};
  INFO(worker.problem());
  REQUIRE(worker.connected());
  CHECK(worker.tls_version() == "TLSv1.3");
  auto relayed = speaks_caf(worker);
  {
    std::lock_guard guard{said_mutex};
    for (auto& line : said)
      INFO("the edge said: " << line);
    REQUIRE(relayed);
  }
  auto who = e.identify(my_node());
  REQUIRE(who);
  CHECK(who->name == "w1");
  CHECK(who->role == peer_role::worker);
  // Another certificate may not speak for a node that w1's connection does.
  test::socket_peer w2{"127.0.0.1", port, pki.credentials("w2")};
  REQUIRE(w2.connected());
  REQUIRE(w2.send(test::client_handshake(sys, sys.node())));
  CHECK(w2.closed_within(5s));
  CHECK(said_something("a connection of another identity speaks for"));

  auto refused = [&](test::socket_peer& peer) {
    // TLS 1.3 clients finish their handshake before the server checks
    // them; the refusal arrives as the connection closes.
    return !peer.connected() || peer.closed_within(5s);
  };
  // A scraper's certificate reads the HTTP front, never CAF.
  test::socket_peer scraper{"127.0.0.1", port, pki.credentials("prometheus")};
  CHECK(refused(scraper));
  CHECK(said_something("has role monitor"));
  test::socket_peer anonymous{"127.0.0.1", port, nullptr, true};
  CHECK(refused(anonymous));
  test::socket_peer stranger{"127.0.0.1", port, other.credentials("w1")};
  CHECK(refused(stranger));
  test::socket_peer coordinator{"127.0.0.1", port, pki.credentials("c2")};
  CHECK(refused(coordinator));

  test::socket_peer plain{"127.0.0.1", port};
  REQUIRE(plain.send(test::client_handshake(sys, test::some_other_node())));
  CHECK(plain.closed_within(5s));
  // w1 and w2 passed TLS and reached CAF; w2's handshake did not.
  CHECK(caf.connections() == 2);
}

TEST_CASE_METHOD(edge_fixture,
                 "an edge's route carries CAF to a TLS node "
                 "and says why when it cannot",
                 "[unit][edge]") {
  auto dir = test::fresh_dir("edge-route");
  test::test_pki pki{dir / "pki",
                     {{"coord", peer_role::coordinator},
                      {"w1", peer_role::worker},
                      {"w2", peer_role::worker}}};
  test::test_pki other{dir / "other", {{"w1", peer_role::worker}}};
  edge server{options(pki.credentials("coord"))};
  auto server_port = listen(server);
  edge plain_server{options(nullptr)};
  auto plain_port = listen(plain_server);

  auto through = [&](edge& client, uint16_t port) {
    client.attach(caf_side{my_node(), {}});
    std::string problem;
    auto route = client.dial("127.0.0.1", port, problem);
    INFO(problem);
    REQUIRE(route);
    test::socket_peer caf_client{*route};
    // The edge may have given up on the route already (nothing listens).
    caf_client.send(test::client_handshake(sys, sys.node()));
    auto greeting = caf_client.read(caf.greeting().size(), 10s);
    if (greeting == caf.greeting())
      return std::string{};
    REQUIRE(caf_client.closed_within(10s));
    return client.failure("127.0.0.1", port);
  };
  edge w1{options(pki.credentials("w1"))};
  CHECK(through(w1, server_port).empty());
  CHECK_THAT(through(w1, plain_port), Catch::Contains("does not speak TLS"));
  CHECK_THAT(through(w1, 1), Catch::Contains("nothing listens there"));
  edge stranger{options(other.credentials("w1"))};
  CHECK_THAT(through(stranger, server_port),
             Catch::Contains("not signed by this cluster's CA"));
  edge plain_client{options(nullptr)};
  CHECK_THAT(through(plain_client, server_port),
             Catch::Contains("requires TLS"));
  // A worker certificate cannot pose as the coordinator.
  edge fake_coordinator{options(pki.credentials("w2"))};
  auto fake_port = listen(fake_coordinator);
  CHECK_THAT(through(w1, fake_port), Catch::Contains("not a coordinator's"));
}

TEST_CASE_METHOD(edge_fixture,
                 "an edge listens on a host name as CAF did, "
                 "and names one it cannot resolve",
                 "[unit][edge]") {
  edge e{options(nullptr)};
  e.attach(caf.side());
  std::string problem;
  CHECK(e.listen("localhost", 0, problem));
  CHECK(problem.empty());
  CHECK_FALSE(e.listen("no-such-host.invalid", 0, problem));
  CHECK_THAT(problem, Catch::StartsWith("cannot resolve no-such-host.invalid"));
}
