// A cluster behind its TLS edges, on real processes with certificates made
// by `fovea certs` in the test's folder: what passes, what is refused, and
// what attacks on the coordinator's port cost it.
#include <catch2/catch.hpp>

#include <csignal>
#include <unistd.h>

#include "messages/protocol.hpp"
#include "tests/support/basp_frames.hpp"
#include "tests/support/certificates.hpp"
#include "tests/support/cluster.hpp"
#include "tests/support/cluster_peer.hpp"
#include "tests/support/csv.hpp"
#include "tests/support/images.hpp"
#include "tests/support/process.hpp"
#include "tests/support/skip.hpp"
#include "tests/support/socket_peer.hpp"
#include "tests/support/messages.hpp"

using namespace fovea;
using namespace std::chrono_literals;

namespace {

// A cluster's certificates, made with the real command: the coordinator
// "coord", workers w1..w3, a client "alice" and an operator "ops".
std::string make_pki(const std::filesystem::path& dir) {
  auto pki = (dir / "pki").string();
  test::fovea_certs(pki, {"coord"}, "coordinator");
  test::fovea_certs(pki, {"w1", "w2", "w3"}, "worker");
  test::fovea_certs(pki, {"alice"}, "client");
  test::fovea_certs(pki, {"ops"}, "operator");
  return pki;
}


std::pair<int, std::string> submit(const test::local_cluster& cluster,
                                   const std::filesystem::path& images,
                                   const std::filesystem::path& out,
                                   const std::string& as) {
  std::vector<std::string> args{"submit",        "--coordinator",
                                cluster.address, images.string(),
                                "--out",         out.string()};
  auto tls = cluster.tls_flags(as);
  args.insert(args.end(), tls.begin(), tls.end());
  return test::run_fovea(args);
}

} // namespace

TEST_CASE("a coordinator and two workers with certificates from fovea certs "
          "classify over TLS, and only a certificate gets a TLS 1.3 session",
          "[integration][tls]") {
  auto dir = test::fresh_dir("tls-cluster");
  auto pki = make_pki(dir);
  auto paths = test::write_pattern_pngs(dir / "images", 200);
  test::local_cluster cluster{2, {}, {}, pki};
  CHECK_THAT(cluster.coordinator->output(), Catch::Contains("TLS edge"));
  auto [code, output] =
      submit(cluster, dir / "images", dir / "out.csv", "alice");
  INFO(output);
  REQUIRE(code == 0);
  auto by_worker = test::check_results(dir / "out.csv", paths);
  CHECK(by_worker["w1"] > 0);
  CHECK(by_worker["w2"] > 0);
  // The coordinator knows where the workers really connect from, and their
  // certificates' names are the ones they registered with.
  auto registered =
      cluster.coordinator->wait_for_line("worker w1 registered from", 10s);
  REQUIRE(registered);
  CHECK_THAT(*registered, Catch::Contains("from 127.0.0.1:") &&
                              Catch::Contains("(certificate w1)"));

  auto s_client = "openssl s_client -brief -connect " + cluster.address +
                  " -CAfile " + pki + "/ca.pem";
  // -ign_eof: read until the server's verdict, which TLS 1.3 sends after
  // the client's side of the handshake is done.
  auto anonymous = test::run_command(s_client + " -ign_eof");
  INFO(anonymous.second);
  CHECK(anonymous.first != 0);
  CHECK_THAT(anonymous.second, Catch::Contains("alert certificate required"));
  auto with_cert = test::run_command(s_client + " -cert " + pki +
                                     "/alice.pem -key " + pki + "/alice.key");
  INFO(with_cert.second);
  CHECK(with_cert.first == 0);
  CHECK_THAT(with_cert.second,
             Catch::Contains("Protocol version: TLSv1.3") &&
                 Catch::Contains("Verification: OK") &&
                 Catch::Contains("OU = coordinator, CN = coord"));
  auto old = test::run_command(s_client + " -tls1_2 -cert " + pki +
                               "/alice.pem -key " + pki + "/alice.key");
  INFO(old.second);
  CHECK_THAT(old.second,
             Catch::Contains("Ciphersuite: ECDHE-ECDSA-AES128-GCM"));
  cluster.stop();
}

TEST_CASE("against the TLS port, the coordinator refuses whoever may not do "
          "what they ask",
          "[integration][tls]") {
  auto dir = test::fresh_dir("tls-refusals");
  auto pki = make_pki(dir);
  test::test_pki other{dir / "other", {{"alice", peer_role::client}}};
  test::test_pki files{pki, {}}; // the same folder, for loading credentials
  test::local_cluster cluster{1, {}, {}, pki};

  SECTION("no certificate, or another CA's, gets no connection") {
    test::cluster_peer plain{cluster.address, nullptr};
    CHECK_FALSE(plain.connected());
    CHECK_THAT(plain.problem(), Catch::Contains("probably requires TLS"));
    // Another CA's certificate, from a client that trusts this cluster's CA
    // (fovea's own nodes would not even start with such a pair).
    auto stranger = test::run_command(
        "openssl s_client -brief -ign_eof -connect " + cluster.address +
        " -CAfile " + pki + "/ca.pem -cert " + other.cert("alice") + " -key " +
        other.key("alice"));
    INFO(stranger.second);
    CHECK(stranger.first != 0);
    CHECK_THAT(stranger.second, Catch::Contains("alert unknown ca"));
    REQUIRE(cluster.coordinator->wait_for_line("refused", 10s));
  }
  SECTION("a worker certificate may not submit") {
    test::cluster_peer worker{cluster.address, files.credentials("w2")};
    REQUIRE(worker.connected());
    CHECK(worker.refusal<uint64_t>(submit_atom::value, test::job_of("x", 1)) ==
          "not permitted: certificate w2 has role worker; submitting a "
          "job needs role client or operator");
    // Nor register under another name, nor speak another protocol.
    CHECK(worker.refusal<uint64_t>(
              register_atom::value,
              test::worker_of("w9", "h", "fashion-mnist@1", 1, 10)) ==
          "not permitted: worker id w9 is not the name of its "
          "certificate (w2)");
    CHECK_THAT(worker.refusal<uint64_t>(
                   register_atom::value,
                   [] {
                     auto old = test::worker_of("w2", "h", "fashion-mnist@1", 1, 10);
                     old.protocol = 1;
                     return old;
                   }()),
               Catch::Contains("it speaks fovea protocol 1, this coordinator " +
                               std::to_string(protocol_version)));
  }
  SECTION("a client certificate may not register, drain or cancel, and a "
          "job of 2^40 inputs is refused") {
    test::cluster_peer client{cluster.address, files.credentials("alice")};
    REQUIRE(client.connected());
    CHECK_THAT(client.refusal<uint64_t>(
                   register_atom::value,
                   test::worker_of("alice", "h", "fashion-mnist@1", 1, 10)),
               Catch::Contains("registering as a worker needs role worker"));
    CHECK_THAT(client.refusal<uint64_t>(drain_atom::value, std::string{"w1"}),
               Catch::Contains("draining a worker needs role operator"));
    CHECK_THAT(client.refusal<uint64_t>(cancel_atom::value, uint64_t{1}),
               Catch::Contains("cancelling a job needs role operator"));
    CHECK_THAT(client.refusal<uint64_t>(submit_atom::value,
                                        test::job_of("huge", uint64_t{1} << 40)),
               Catch::Contains("over a limit: a job of 1099511627776 inputs"));
    CHECK(client.refusal<std::string>(ping_atom::value).empty());
  }
  SECTION("an operator may drain") {
    test::cluster_peer ops{cluster.address, files.credentials("ops")};
    REQUIRE(ops.connected());
    CHECK(ops.refusal<uint64_t>(drain_atom::value, std::string{"w1"}).empty());
    CHECK(cluster.workers[0]->wait_for_exit(30s) == 0);
    cluster.workers.clear();
  }
  cluster.stop();
}

TEST_CASE("4 GiB headers and 100 idle connections leave the coordinator "
          "small, and a job afterwards gets every row",
          "[integration][tls]") {
  auto dir = test::fresh_dir("tls-attacks");
  auto pki = make_pki(dir);
  auto paths = test::write_pattern_pngs(dir / "images", 200);
  test::test_pki files{pki, {}};
  bool tls = GENERATE(true, false);
  INFO((tls ? "TLS" : "plain") << " coordinator");
  // Enough room per address that every attacking connection is admitted
  // (they all come from 127.0.0.1 here), handshakes stalled included.
  test::local_cluster cluster{2,
                              {"--fovea.max-connections-per-address=200",
                               "--fovea.max-handshakes=200",
                               "--fovea.max-handshakes-per-address=200"},
                              {},
                              tls ? pki : std::string{}};
  auto port = test::port_of(cluster.address);
  auto pid = cluster.coordinator->pid();
  std::vector<std::unique_ptr<test::socket_peer>> idle;
  for (int i = 0; i < 100; ++i) {
    idle.push_back(std::make_unique<test::socket_peer>("127.0.0.1", port));
    REQUIRE(idle.back()->connected());
  }
  // A bounded loop of 20 connections that each send the header that made a
  // plain CAF coordinator allocate 4.2 GB; with TLS, inside a session of a
  // valid client certificate.
  for (int i = 0; i < 20; ++i) {
    test::socket_peer attacker{"127.0.0.1", port,
                               tls ? files.credentials("alice") : nullptr};
    REQUIRE(attacker.connected());
    attacker.send(test::four_gib_header());
    CHECK(attacker.closed_within(10s));
  }
  auto peak = test::peak_rss(pid);
  CHECK(peak > 0);
  // Far below the 4.2 GB one such header cost a plain CAF coordinator;
  // AddressSanitizer's shadow and quarantine take their own share.
  CHECK(peak < (test::sanitized_build() ? 400u : 200u) << 20);
  CHECK(cluster.coordinator->wait_for_line("over the limit", 10s));
  auto [code, output] =
      submit(cluster, dir / "images", dir / "out.csv", "alice");
  INFO(output);
  REQUIRE(code == 0);
  test::check_results(dir / "out.csv", paths);
  cluster.stop();
}

TEST_CASE("a coordinator beyond loopback needs a certificate or "
          "fovea.insecure",
          "[integration][tls]") {
  auto [code, output] =
      test::run_fovea({"node", "--config", "config/coordinator.ini",
                       "--fovea.host=0.0.0.0", "--fovea.port=0"});
  INFO(output);
  CHECK(code == 2);
  CHECK_THAT(output, Catch::Contains("fovea.host = 0.0.0.0 is not a loopback "
                                     "address and this coordinator has no "
                                     "certificate"));
  test::child_process insecure{{"node", "--config", "config/coordinator.ini",
                                "--fovea.host=0.0.0.0", "--fovea.port=0",
                                "--fovea.insecure=true"}};
  REQUIRE(insecure.wait_for_line("ready on 0.0.0.0:", 30s));
  CHECK_THAT(insecure.output(),
             Catch::Contains("WARNING: fovea.insecure: coordinator"));
  CHECK(insecure.stop(SIGTERM, 30s) == 0);
}

TEST_CASE("a plain node reaching a TLS coordinator, and a TLS node reaching "
          "a plain one, each get one line saying so",
          "[integration][tls]") {
  auto dir = test::fresh_dir("tls-mismatch");
  auto pki = make_pki(dir);
  test::write_pattern_pngs(dir / "images", 1);
  test::local_cluster secure{0, {}, {}, pki};
  auto plain_to_tls = test::run_fovea(
      {"submit", "--coordinator", secure.address, (dir / "images").string(),
       "--out", (dir / "a.csv").string()});
  INFO(plain_to_tls.second);
  CHECK(plain_to_tls.first == 1);
  CHECK_THAT(plain_to_tls.second,
             Catch::Contains("closed the connection before CAF's handshake: "
                             "it probably requires TLS"));
  test::local_cluster plain{0};
  std::vector<std::string> args{"submit",      "--coordinator",
                                plain.address, (dir / "images").string(),
                                "--out",       (dir / "b.csv").string()};
  auto tls = secure.tls_flags("alice");
  args.insert(args.end(), tls.begin(), tls.end());
  auto tls_to_plain = test::run_fovea(args);
  INFO(tls_to_plain.second);
  CHECK(tls_to_plain.first == 1);
  CHECK_THAT(tls_to_plain.second,
             Catch::Contains("the other side does not speak TLS"));
  secure.stop();
  plain.stop();
}

TEST_CASE("each bad certificate file stops a node with exit 2 naming it",
          "[integration][tls]") {
  auto dir = test::fresh_dir("tls-bad-files");
  auto pki = make_pki(dir);
  test::test_pki other{dir / "other", {{"coord", peer_role::coordinator}}};
  test::test_pki files{pki, {}};
  files.issue("expired", peer_role::coordinator, validity{1, -3 * 86400});
  test::write_file(dir / "garbage.pem", {'n', 'o', 'p', 'e', '\n'});
  std::filesystem::permissions(dir, std::filesystem::perms::all);
  struct bad_case {
    std::string name, certificate, key, ca, expected;
  };
  auto cert = files.cert("coord");
  auto key = files.key("coord");
  auto ca = files.ca();
  auto garbage = (dir / "garbage.pem").string();
  auto c = GENERATE_COPY(table<std::string, std::string, std::string,
                               std::string, std::string>({
      {"missing", (dir / "nope.pem").string(), key, ca,
       "fovea.certificate = " + (dir / "nope.pem").string() +
           ": No such file or directory"},
      {"not PEM", garbage, key, ca,
       "fovea.certificate = " + garbage + ": not a PEM file"},
      {"a key of another certificate", cert, files.key("w1"), ca,
       "fovea.key = " + files.key("w1") + ": does not match the certificate"},
      {"another CA's certificate", other.cert("coord"), other.key("coord"), ca,
       "fovea.certificate = " + other.cert("coord") + ": not signed by the CA"},
      {"expired", files.cert("expired"), files.key("expired"), ca,
       "fovea.certificate = " + files.cert("expired") + ": expired on"},
      {"a CA file that is no CA", cert, key, cert,
       "fovea.ca = " + cert + ": not a CA certificate"},
      {"a worker's certificate on a coordinator", files.cert("w1"),
       files.key("w1"), ca,
       "its role is worker; a coordinator needs role "
       "coordinator"},
  }));
  INFO(std::get<0>(c));
  auto [code, output] = test::run_fovea(
      {"node", "--config", "config/coordinator.ini", "--fovea.port=0",
       "--fovea.certificate=" + std::get<1>(c), "--fovea.key=" + std::get<2>(c),
       "--fovea.ca=" + std::get<3>(c)});
  INFO(output);
  CHECK(code == 2);
  CHECK_THAT(output, Catch::Contains(std::get<4>(c)));
  CHECK_THAT(output, !Catch::Contains("ready"));
}

TEST_CASE("a key the node's user may not read stops it with exit 2 naming "
          "the file",
          "[integration][tls]") {
  if (::geteuid() != 0) {
    test::skip_test("running a node as nobody needs root");
    return;
  }
  auto dir = test::fresh_dir("tls-unreadable");
  auto pki = make_pki(dir);
  // Everything readable by nobody but the key (0600, root's).
  std::filesystem::permissions(dir, std::filesystem::perms::all);
  std::filesystem::permissions(pki, std::filesystem::perms::all);
  test::child_process node{
      {"node", "--config", test::source_dir() + "/config/coordinator.ini",
       "--fovea.port=0", "--fovea.certificate=" + pki + "/coord.pem",
       "--fovea.key=" + pki + "/coord.key", "--fovea.ca=" + pki + "/ca.pem"},
      test::as_user{}};
  REQUIRE(node.started());
  CHECK(node.wait_for_exit(30s) == 2);
  INFO(node.output());
  CHECK_THAT(node.output(), Catch::Contains("fovea.key = " + pki +
                                            "/coord.key: cannot read: "
                                            "Permission denied"));
}

TEST_CASE("with fovea.edge = false CAF listens itself, on loopback only, and "
          "a job still gets every row",
          "[integration][tls]") {
  auto dir = test::fresh_dir("no-edge");
  auto paths = test::write_pattern_pngs(dir / "images", 100);
  test::local_cluster direct{2, {"--fovea.edge=false"}};
  CHECK_THAT(direct.coordinator->output(),
             Catch::Contains("no edge: CAF faces the network itself"));
  auto [code, output] = test::run_fovea(
    {"submit", "--coordinator", direct.address, (dir / "images").string(),
     "--out", (dir / "out.csv").string(), "--fovea.edge=false"});
  INFO(output);
  REQUIRE(code == 0);
  test::check_results(dir / "out.csv", paths);
  direct.stop();
  auto refused = test::run_fovea({"node", "--config", "config/coordinator.ini",
                                  "--fovea.host=0.0.0.0", "--fovea.edge=false",
                                  "--fovea.insecure=true"});
  CHECK(refused.first == 2);
  CHECK_THAT(refused.second, Catch::Contains("fovea.edge = false is for "
                                             "loopback only"));
}
