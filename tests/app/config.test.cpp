// A broken configuration stops a node before anything starts, with exit
// code 2 and a message naming the file, key or option.
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>

#include "tests/support/images.hpp"
#include "tests/support/process.hpp"

using namespace fovea;
using namespace std::chrono_literals;

TEST_CASE("a bad node configuration exits 2 and names the problem",
          "[integration]") {
  auto dir = test::fresh_dir("config");
  auto [name, ini, extra, expected] = GENERATE(
    table<std::string, std::string, std::string, std::string>({
      {"unknown key", "[fovea]\nrole = \"worker\"\nslot = 2\n", "",
       "node.ini:3: unknown key fovea.slot; did you mean fovea.slots? "
       "(`fovea help settings` lists every key)"},
      {"unquoted string", "[fovea]\nrole = worker\n", "",
       "node.ini:2:9: unexpected character"},
      {"role missing", "[fovea]\nport = 4300\n", "",
       "fovea.role must be \"coordinator\" or \"worker\" (it is not set)"},
      {"role misspelled", "[fovea]\nrole = \"wroker\"\n", "",
       "(it is \"wroker\")"},
      {"wrong type", "[fovea]\nrole = \"worker\"\n\nslots = \"two\"\n", "",
       "node.ini:4: fovea.slots = \"two\": expected a whole number"},
      {"negative count", "[fovea]\nrole = \"worker\"\nslots = -3\n", "",
       "node.ini:3: fovea.slots = -3: expected a whole number"},
      {"a count out of its bounds, named by its line",
       "[fovea]\nrole = \"worker\"\n\nslots = 300\n", "",
       "node.ini:4: fovea.slots must be from 1 to 256 (it is 300) (see "
       "`fovea help slots`)"},
      {"a zero duration",
       "[fovea]\nrole = \"coordinator\"\n", "--fovea.model-wait=0s",
       "fovea.model-wait must be more than 0 (it is 0s)"},
      {"a hang timeout shorter than the task timeout",
       "[fovea]\nrole = \"coordinator\"\ntask-timeout = 2min\n"
       "hang-timeout = 1min\n", "",
       "fovea.hang-timeout (1min) must be at least fovea.task-timeout (2min)"},
      {"coordinator unreachable",
       "[fovea]\nrole = \"worker\"\ncoordinator = \"127.0.0.1:1\"\n"
       "connect-timeout = 2s\n",
       "", "no coordinator: gave up after trying for 2 s"},
      {"journal dir not writable",
       "[fovea]\nrole = \"coordinator\"\nport = 0\n"
       "journal-dir = \"/proc/fovea-journal\"\n",
       "", "fovea.journal-dir: cannot write to /proc/fovea-journal"},
      {"option typo", "[fovea]\nrole = \"worker\"\n", "--fovea.prot=1",
       "command line option --fovea.prot=1: not an option; did you mean "
       "--fovea.port? (`fovea help settings` lists every key)"},
      {"bad coordinator address",
       "[fovea]\nrole = \"worker\"\ncoordinator = \"localhost\"\n", "",
       "fovea.coordinator: bad config: 'localhost' is not HOST:PORT"},
      {"batch size too small for a preferred size",
       "[fovea]\nrole = \"worker\"\nmax-batch-size = 8\n"
       "preferred-batch-sizes = [16]\n",
       "", "batching of model fashion-mnist@1 (model.ini [batching] and "
           "fovea.* overrides): preferred-batch-sizes must each be from 1 "
           "to max-batch-size"},
      {"too many decode threads",
       "[fovea]\nrole = \"worker\"\n", "--fovea.decode-threads=65",
       "fovea.decode-threads must be from 0 to 64"},
      {"missing model",
       "[fovea]\nrole = \"worker\"\nmodel = \"/nonexistent/model\"\n", "",
       "fovea.model: bad model: /nonexistent/model: not found (a model "
       "folder with model.ini, or a repository of NAME/VERSION/ model "
       "folders)"},
      {"a certificate without its key",
       "[fovea]\nrole = \"coordinator\"\ncertificate = \"c.pem\"\n"
       "ca = \"ca.pem\"\n",
       "", "fovea.certificate, fovea.key and fovea.ca go together (fovea.key "
           "is not set)"},
      {"a message cap below an image",
       "[fovea]\nrole = \"coordinator\"\nmax-message-bytes = 2000000\n", "",
       "fovea.max-image-bytes (67108864) must stay 1 MiB below "
       "fovea.max-message-bytes (2000000)"},
      {"a message cap past BASP's length field",
       "[fovea]\nrole = \"coordinator\"\n",
       "--fovea.max-message-bytes=5000000000",
       "fovea.max-message-bytes must be from 1048576 to 4294967295"},
      {"an idle timeout CAF's heartbeats cannot keep open",
       "[fovea]\nrole = \"coordinator\"\nidle-timeout = 2s\n", "",
       "fovea.idle-timeout must be at least 3 x middleman.heartbeat-interval"},
      {"no connections allowed",
       "[fovea]\nrole = \"coordinator\"\n", "--fovea.max-connections=0",
       "fovea.max-connections must be at least 1 (it is 0)"},
      {"an in-flight budget below one message",
       "[fovea]\nrole = \"coordinator\"\n", "--fovea.max-inflight-bytes=1000000",
       "fovea.max-inflight-bytes (1000000) must be at least twice "
       "fovea.max-message-bytes (75497472)"},
      {"a worker id that is a path",
       "[fovea]\nrole = \"worker\"\nid = \"../w1\"\n", "",
       "fovea.id = ../w1: a worker id is 1-100 letters"},
    }));
  INFO(name);
  auto file = dir / "node.ini";
  std::ofstream{file} << ini;
  std::vector<std::string> args{"node", "--config", file.string()};
  if (!extra.empty())
    args.push_back(extra);
  auto [code, output] = test::run_fovea(args, 60s);
  INFO(output);
  CHECK(code == 2);
  CHECK(output.find(expected) != std::string::npos);
}

TEST_CASE("a missing config file exits 2 and names it", "[integration]") {
  auto [code, output] = test::run_fovea(
    {"node", "--config", "/nonexistent/node.ini"}, 60s);
  INFO(output);
  CHECK(code == 2);
  CHECK(output.find("cannot open config file /nonexistent/node.ini")
        != std::string::npos);
}

TEST_CASE("a coordinator whose port is taken exits 2", "[integration]") {
  test::child_process first{
    {"node", "--config", "config/coordinator.ini", "--fovea.port=0"}};
  auto ready = first.wait_for_line("ready on", 30s);
  REQUIRE(ready);
  auto port = ready->substr(ready->rfind(':') + 1);
  auto [code, output] = test::run_fovea(
    {"node", "--config", "config/coordinator.ini", "--fovea.port=" + port},
    60s);
  INFO(output);
  CHECK(code == 2);
  CHECK(output.find("cannot listen on 127.0.0.1:" + port)
        != std::string::npos);
  CHECK(first.stop(SIGTERM, 30s) == 0);
}

TEST_CASE("a coordinator whose gRPC inference port is taken exits 2",
          "[integration][oip][grpc]") {
  // gRPC binds with SO_REUSEPORT by default, which would let the second
  // node share the port and take some of the first one's calls.
  test::child_process first{{"node", "--config", "config/coordinator.ini",
                             "--fovea.port=0",
                             "--fovea.oip-grpc=127.0.0.1:0"}};
  auto line = first.wait_for_line("grpc://", 30s);
  REQUIRE(line);
  auto port = line->substr(line->rfind(':') + 1);
  auto [code, output] = test::run_fovea(
    {"node", "--config", "config/coordinator.ini", "--fovea.port=0",
     "--fovea.oip-grpc=127.0.0.1:" + port},
    60s);
  INFO(output);
  CHECK(code == 2);
  CHECK(output.find("cannot listen on 127.0.0.1:" + port + " for gRPC")
        != std::string::npos);
  CHECK(first.stop(SIGTERM, 30s) == 0);
}
