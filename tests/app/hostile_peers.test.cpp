// The trust boundary tried as an attacker holding a client (or worker)
// certificate would: raw BASP inside a real mutual-TLS session against a
// real coordinator, each attack checked to fail *and* another client's job
// checked to finish with every row meanwhile.
#include <catch2/catch.hpp>

#include <caf/atom.hpp>

#include "messages/errors.hpp"
#include "messages/type_ids.hpp"
#include "tests/support/actor_fixture.hpp"
#include "tests/support/basp_peer.hpp"
#include "tests/support/certificates.hpp"
#include "tests/support/cluster.hpp"
#include "tests/support/csv.hpp"
#include "tests/support/http_get.hpp"
#include "tests/support/images.hpp"
#include "tests/support/process.hpp"

using namespace fovea;
using namespace std::chrono_literals;
namespace basp = caf::io::basp;

namespace {


// A TLS cluster with two workers, a client alice running a job of 400
// images in the background (the victim), and certificates for the
// attacker: mallory (client) and w9 (a worker that is not running).
struct attacked_cluster : test::actor_fixture {
  std::filesystem::path dir = test::fresh_dir("hostile");
  std::string pki = make_pki(dir);
  test::test_pki files{pki, {}};
  std::vector<std::string> paths
    = test::write_pattern_pngs(dir / "images", 400);
  test::local_cluster cluster;
  std::unique_ptr<test::child_process> victim;

  explicit attacked_cluster(std::vector<std::string> coordinator_args = {})
      : cluster{2, std::move(coordinator_args), {}, pki} {
    std::vector<std::string> args{"submit",        "--coordinator",
                                  cluster.address, (dir / "images").string(),
                                  "--out",         (dir / "out.csv").string(),
                                  "--job",         "victim"};
    for (auto& flag : cluster.tls_flags("alice"))
      args.push_back(flag);
    victim = std::make_unique<test::child_process>(args);
  }

  static std::string make_pki(const std::filesystem::path& dir) {
    auto pki = (dir / "pki").string();
    test::fovea_certs(pki, {"coord"}, "coordinator");
    test::fovea_certs(pki, {"w1", "w2", "w9"}, "worker");
    test::fovea_certs(pki, {"alice", "mallory"}, "client");
    return pki;
  }

  /// A raw session as `who`, its handshake read.
  std::unique_ptr<test::basp_peer> session(const std::string& who) {
    auto peer = std::make_unique<test::basp_peer>(
      sys, "127.0.0.1", test::port_of(cluster.address), files.credentials(who));
    INFO(peer->problem());
    REQUIRE(peer->ready());
    return peer;
  }

  /// The error a raw request as `who` (from a node of its own) got.
  std::string refusal(const std::string& who, const caf::message& request) {
    auto peer = session(who);
    REQUIRE(peer->hello(test::some_other_node(5000)));
    auto reply = peer->ask(request);
    REQUIRE(reply);
    REQUIRE(reply->match_elements<caf::error>());
    return describe(reply->get_as<caf::error>(0));
  }

  /// The victim's job finished with every row, and the coordinator said
  /// what it refused.
  void victim_unharmed() {
    INFO(victim->output());
    REQUIRE(victim->wait_for_exit(120s) == 0);
    test::check_results(dir / "out.csv", paths);
  }
};

} // namespace

TEST_CASE("a client certificate posing as the coordinator's own node, or "
          "as another connected node, is cut off before CAF acts",
          "[integration][tls][hostile]") {
  attacked_cluster f;
  // The coordinator's node id, read from its handshake, named back.
  // Then cancels the victim's job (job 1), which an operator may do.
  REQUIRE(f.cluster.coordinator->wait_for_line("job 1 (victim) opened", 30s));
  auto mirror = f.session("mallory");
  REQUIRE(mirror->hello(mirror->server_node()));
  auto cancelled = mirror->ask(caf::make_message(cancel_atom::value,
                                                 uint64_t{1}));
  CHECK_FALSE((cancelled && cancelled->match_elements<uint64_t>()));
  CHECK(mirror->closed_within(10s));
  CHECK(f.cluster.coordinator->wait_for_line("names this node itself", 10s));
  // A node that alice's connection speaks for, claimed by mallory.
  auto alice = f.session("alice");
  auto alices_node = test::some_other_node(6000);
  REQUIRE(alice->hello(alices_node));
  REQUIRE(alice->ask(caf::make_message(ping_atom::value)));
  auto borrower = f.session("mallory");
  REQUIRE(borrower->hello(alices_node));
  CHECK(borrower->closed_within(10s));
  CHECK(f.cluster.coordinator->wait_for_line("of another identity", 10s));
  f.victim_unharmed();
}

TEST_CASE("a client certificate from a node of its own is refused what its "
          "role may not do",
          "[integration][tls][hostile]") {
  attacked_cluster f;
  CHECK_THAT(f.refusal("mallory", caf::make_message(cancel_atom::value,
                                                    uint64_t{1})),
             Catch::Contains("certificate mallory has role client; "
                             "cancelling a job needs role operator"));
  CHECK_THAT(f.refusal("mallory", caf::make_message(drain_atom::value,
                                                    std::string{"w1"})),
             Catch::Contains("draining a worker needs role operator"));
  worker_info fake;
  fake.id = "w1";
  fake.host = "evil";
  fake.model = "fashion-mnist@1";
  fake.slots = 1;
  fake.classes = 10;
  CHECK_THAT(f.refusal("mallory",
                       caf::make_message(register_atom::value, fake)),
             Catch::Contains("registering as a worker needs role worker"));
  // A worker certificate declaring four billion classes (the coordinator
  // once built a 512 MiB bitmap per answered row from that).
  fake.id = "w9";
  fake.classes = 0xFFFFFFFF;
  CHECK_THAT(f.refusal("w9", caf::make_message(register_atom::value, fake)),
             Catch::Contains("from 1 to 100000 classes"));
  f.victim_unharmed();
}

TEST_CASE("frames that CAF would trust but fovea never sends close the "
          "connection, and the coordinator serves on",
          "[integration][tls][hostile]") {
  attacked_cluster f;
  auto third = test::some_other_node(7777);
  using op = basp::message_type;
  auto& sys = f.sys;
  struct attack {
    std::string name;
    std::function<test::bytes(test::basp_peer&, const caf::node_id& me)> make;
  };
  std::vector<attack> attacks{
    {"a named message to ConfigServ",
     [&](test::basp_peer&, const caf::node_id&) {
       return test::direct_message_of(
         sys, static_cast<caf::actor_id>(caf::atom("ConfigServ")),
         caf::make_message(caf::get_atom::value, std::string{"x"}),
         basp::header::named_receiver_flag);
     }},
    {"a forwarding stack",
     [&](test::basp_peer& p, const caf::node_id&) {
       return test::direct_message_of(sys, p.offered(),
                                      caf::make_message(ping_atom::value), 0,
                                      {caf::strong_actor_ptr{}});
     }},
    {"a routed message",
     [&](test::basp_peer& p, const caf::node_id& me) {
       return test::basp_frame(sys, op::routed_message, 0, 7, p.offered(),
                               test::serialized(sys, me, p.server_node()));
     }},
    {"a monitor message from a third node",
     [&](test::basp_peer& p, const caf::node_id&) {
       return test::basp_frame(sys, op::monitor_message, 0, 0, p.offered(),
                               test::serialized(sys, third, p.server_node()));
     }},
    {"a down message for a third node",
     [&](test::basp_peer&, const caf::node_id& me) {
       return test::basp_frame(sys, op::down_message, 0, 7, 0,
                               test::serialized(sys, me, third,
                                                caf::error{}));
     }},
    {"a message to an actor never offered",
     [&](test::basp_peer&, const caf::node_id&) {
       return test::direct_message_of(sys, 424242,
                                      caf::make_message(ping_atom::value));
     }},
    {"a link message naming an actor handle",
     [&](test::basp_peer& p, const caf::node_id&) {
       return test::direct_message_of(
         sys, p.offered(),
         caf::make_message(caf::link_atom::value, caf::strong_actor_ptr{}));
     }},
  };
  uint32_t node = 8000;
  for (auto& a : attacks) {
    INFO(a.name);
    auto me = test::some_other_node(node++);
    auto peer = f.session("mallory");
    REQUIRE(peer->hello(me));
    peer->send(a.make(*peer, me));
    CHECK(peer->closed_within(10s));
  }
  // Still serving: a fresh session is answered.
  auto fresh = f.session("mallory");
  REQUIRE(fresh->hello(test::some_other_node(9999)));
  CHECK(fresh->ask(caf::make_message(ping_atom::value)));
  f.victim_unharmed();
}

TEST_CASE("a peer that stops reading is cut off at the write-stall timeout",
          "[integration][tls][hostile]") {
  attacked_cluster f{{"--fovea.write-stall-timeout=2s"}};
  auto peer = f.session("mallory");
  REQUIRE(peer->hello(test::some_other_node(5100)));
  // Many requests whose answers it never reads: more than the sockets
  // between the two can hold, so the edge's writes towards it stall.
  for (uint64_t i = 0; i < 60000; ++i) {
    auto frame = test::basp_frame(
      f.sys, basp::message_type::direct_message,
      caf::make_message_id(i + 1).integer_value(), 7, peer->offered(),
      test::serialized(f.sys, std::vector<caf::strong_actor_ptr>{},
                       caf::make_message(nodes_atom::value)));
    if (!peer->send(frame))
      break; // cut off already
  }
  CHECK(f.cluster.coordinator->wait_for_line(
    "read nothing for fovea.write-stall-timeout", 60s));
  f.victim_unharmed();
}

TEST_CASE("fifty slow HTTP clients do not keep a node's /healthz from "
          "answering within a second",
          "[integration][hostile][http]") {
  test::local_cluster cluster{1, {"--fovea.http=127.0.0.1:0"}};
  // Said before the ready line the cluster waited for.
  auto& said = cluster.coordinator->output();
  auto at = said.find("metrics on");
  REQUIRE(at != std::string::npos);
  auto metrics = test::metrics_port(said.substr(at, said.find('\n', at) - at));
  REQUIRE(metrics);
  auto port = std::to_string(*metrics);
  std::vector<std::unique_ptr<test::socket_peer>> slow;
  const std::string part = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ";
  for (int i = 0; i < 50; ++i) {
    // Ten from each of five addresses, as many hosts would.
    slow.push_back(std::make_unique<test::socket_peer>(
      "127.0.0.1", static_cast<uint16_t>(std::stoi(port)), nullptr, false,
      "127.0.0." + std::to_string(10 + i / 10)));
    REQUIRE(slow.back()->send(std::vector<uint8_t>(part.begin(), part.end())));
  }
  // A supervisor's probe, with a one-second timeout.
  auto probe = test::run_command("curl -sS -m 1 --interface 127.0.0.2 -w ' "
                                 "%{http_code}' http://127.0.0.1:"
                                   + port + "/healthz 2>&1");
  CHECK_THAT(probe.second, Catch::Contains("ok") && Catch::EndsWith(" 200"));
  cluster.stop();
}
