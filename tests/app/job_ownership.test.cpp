// Named jobs and their journals belong to the certificate that opened
// them, and journals take bounded disk: on real processes with real
// certificates, as another team's client would try it.
#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "messages/errors.hpp"
#include "messages/type_ids.hpp"
#include "tests/support/actor_fixture.hpp"
#include "tests/support/basp_peer.hpp"
#include "tests/support/certificates.hpp"
#include "tests/support/cluster.hpp"
#include "tests/support/csv.hpp"
#include "tests/support/images.hpp"
#include "tests/support/process.hpp"

using namespace fovea;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct journaled_cluster : test::actor_fixture {
  fs::path dir;
  std::string pki;
  fs::path journal;
  std::vector<std::string> paths;
  std::unique_ptr<test::local_cluster> cluster;

  explicit journaled_cluster(const std::string& name,
                             std::vector<std::string> extra = {})
      : dir(test::fresh_dir(name)), pki((dir / "pki").string()),
        journal(dir / "journal"),
        paths(test::write_pattern_pngs(dir / "images", 300)) {
    test::fovea_certs(pki, {"coord"}, "coordinator");
    test::fovea_certs(pki, {"w1"}, "worker");
    test::fovea_certs(pki, {"alice", "mallory"}, "client");
    extra.push_back("--fovea.journal-dir=" + journal.string());
    cluster = std::make_unique<test::local_cluster>(1, extra,
                                                    std::vector<std::string>{},
                                                    pki);
  }

  std::vector<std::string> submit_args(const std::string& as,
                                       const std::string& job,
                                       const std::string& out) {
    std::vector<std::string> args{"submit",         "--coordinator",
                                  cluster->address, (dir / "images").string(),
                                  "--out",          (dir / out).string(),
                                  "--job",          job};
    for (auto& flag : cluster->tls_flags(as))
      args.push_back(flag);
    return args;
  }
};


} // namespace

TEST_CASE("a named job belongs to the certificate that opened it: another "
          "runs its own of that name and cannot wait on or cancel it",
          "[integration][tls][journal]") {
  journaled_cluster f{"ownership"};
  test::child_process alice{f.submit_args("alice", "nightly", "alice.csv")};
  REQUIRE(f.cluster->coordinator->wait_for_line("job 1 (nightly) opened by "
                                                "alice",
                                                30s));
  // mallory, from a node of its own, asks about alice's job.
  test::test_pki files{f.pki, {}};
  test::basp_peer mallory{f.sys, "127.0.0.1", test::port_of(f.cluster->address),
                          files.credentials("mallory")};
  REQUIRE(mallory.ready());
  REQUIRE(mallory.hello(test::some_other_node(4100)));
  auto waited = mallory.ask(caf::make_message(wait_atom::value, uint64_t{1}));
  REQUIRE(waited);
  REQUIRE(waited->match_elements<caf::error>());
  CHECK_THAT(describe(waited->get_as<caf::error>(0)),
             Catch::Contains("job 1 belongs to certificate alice, not "
                             "mallory"));
  auto cancelled
    = mallory.ask(caf::make_message(cancel_atom::value, uint64_t{1}));
  REQUIRE(cancelled);
  CHECK(cancelled->match_elements<caf::error>());
  // The same name is mallory's own job: it runs, from no journal of
  // alice's.
  auto [code, output]
    = test::run_fovea(f.submit_args("mallory", "nightly", "mallory.csv"));
  INFO(output);
  CHECK(code == 0);
  test::check_results(f.dir / "mallory.csv", f.paths);
  INFO(alice.output());
  REQUIRE(alice.wait_for_exit(120s) == 0);
  test::check_results(f.dir / "alice.csv", f.paths);
  // Both jobs' lines are in (each submit saw its job end).
  f.cluster->coordinator->running();
  CHECK_THAT(f.cluster->coordinator->output(),
             Catch::Contains("job 2 (nightly) opened by mallory")
               && !Catch::Contains("resumed from its journal"));
}

TEST_CASE("journals past their time to live expire, and past the quota a "
          "new named job is refused, each said in the log",
          "[integration][journal]") {
  auto dir = test::fresh_dir("journal-quota");
  auto journal = dir / "journal";
  fs::create_directories(journal / "owners" / "bob");
  // A paused job's journal, last written thirty days ago, and a fresh one
  // of 200 kB: together past a quota of 100 kB.
  auto old = journal / "owners" / "bob" / "last-month.journal";
  std::ofstream{old} << std::string(200000, 'j');
  fs::last_write_time(old, fs::file_time_type::clock::now()
                             - std::chrono::hours(24 * 30));
  auto fresh = journal / "yesterday.journal";
  std::ofstream{fresh} << std::string(200000, 'j');
  auto paths = test::write_pattern_pngs(dir / "images", 50);
  test::local_cluster cluster{1,
                              {"--fovea.journal-dir=" + journal.string(),
                               "--fovea.max-journal-bytes=100000"}};
  auto submit = [&] {
    return test::run_fovea({"submit", "--coordinator", cluster.address,
                            (dir / "images").string(), "--out",
                            (dir / "out.csv").string(), "--job", "today"});
  };
  auto [refused, said] = submit();
  INFO(said);
  CHECK(refused != 0);
  CHECK_THAT(said, Catch::Contains("fovea.max-journal-bytes"));
  CHECK(cluster.coordinator->wait_for_line("last-month.journal expired", 10s));
  CHECK_FALSE(fs::exists(old));
  // Room again once the fresh one is gone (committed, say).
  fs::remove(fresh);
  auto [code, output] = submit();
  INFO(output);
  CHECK(code == 0);
  test::check_results(dir / "out.csv", paths);
}

TEST_CASE("a journal an earlier release left resumes for the certificate "
          "whose inputs it holds, and no other takes it",
          "[integration][tls][journal]") {
  journaled_cluster f{"adoption"};
  {
    // A client that dies once its job is open leaves it unfinished.
    test::child_process client{f.submit_args("alice", "weekly", "out.csv")};
    REQUIRE(f.cluster->coordinator->wait_for_line("(weekly) opened", 30s));
    client.signal(SIGKILL);
    client.wait_for_exit(10s);
  }
  REQUIRE(f.cluster->coordinator->wait_for_line("paused", 30s));
  // Where an earlier release kept every job's journal.
  auto owned = f.journal / "owners" / "alice" / "weekly.journal";
  REQUIRE(fs::exists(owned));
  fs::rename(owned, f.journal / "weekly.journal");
  // Other inputs under the same name: mallory's own job, from scratch.
  auto other = test::write_pattern_pngs(f.dir / "other", 5);
  auto mallory = f.submit_args("mallory", "weekly", "mallory.csv");
  mallory[3] = (f.dir / "other").string();
  auto [mallory_code, mallory_output] = test::run_fovea(mallory);
  INFO(mallory_output);
  CHECK(mallory_code == 0);
  CHECK(fs::exists(f.journal / "weekly.journal"));
  // alice's inputs: adopted and resumed.
  auto [code, output] = test::run_fovea(f.submit_args("alice", "weekly",
                                                      "out.csv"));
  INFO(output);
  CHECK(code == 0);
  test::check_results(f.dir / "out.csv", f.paths);
  CHECK(f.cluster->coordinator->wait_for_line("now belongs to certificate "
                                              "alice",
                                              10s));
  CHECK(f.cluster->coordinator->wait_for_line("resumed from its journal",
                                              10s));
}
