// Peers far away on the network, on real processes: a relay on loopback
// delays every byte 700 ms each way (bench/delay_relay.hpp; this kernel
// has no netem), so each CAF handshake takes 1.4 s, longer than CAF's 1 s
// heartbeat tick. CAF 0.17.6 dropped any connection it dialled whose
// handshake was still out at a tick; the edge now keeps that watch
// (edge_limits::peer_silence_timeout), and these peers join at all.
#include <catch2/catch.hpp>

#include "bench/delay_relay.hpp"
#include "tests/support/cluster.hpp"
#include "tests/support/csv.hpp"
#include "tests/support/images.hpp"
#include "tests/support/process.hpp"

using namespace fovea;
using namespace std::chrono_literals;

TEST_CASE("a worker, a client and a shell 700 ms away each way join, and the "
          "job gets every row",
          "[integration][cluster]") {
  auto dir = test::fresh_dir("distant-peers");
  auto paths = test::write_pattern_pngs(dir / "images", 30);
  test::local_cluster cluster{0};
  bench::delay_relay far{"127.0.0.1", test::port_of(cluster.address), 700ms};
  auto via = "127.0.0.1:" + std::to_string(far.port());
  // add_worker REQUIREs its ready line, which comes after registration.
  cluster.add_worker({"--fovea.coordinator=" + via});
  CHECK(cluster.coordinator->wait_for_line("worker w1 registered", 10s));

  auto out = dir / "results.csv";
  test::child_process submit{
    test::submit_args(via, dir / "images", out, "far")};
  auto code = submit.wait_for_exit(120s);
  INFO(submit.output());
  REQUIRE(code == 0);
  auto by_worker = test::check_results(out, paths);
  CHECK(by_worker["w1"] == 30);

  test::child_process shell{{"shell", via}};
  shell.write_input("nodes\nquit\n");
  shell.close_input();
  CHECK(shell.wait_for_exit(60s) == 0);
  INFO(shell.output());
  CHECK(shell.output().find("connected to coordinator coord") != std::string::npos);
  CHECK(shell.output().find("\nw1     worker ") != std::string::npos);
  cluster.stop();
}
