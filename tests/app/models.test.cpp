// Jobs bound to models, on real processes: a cluster serving two model
// names keeps each job on the model it names and refuses a job naming
// none; one name@version never stands for two model.pt files; a job whose
// model is not served waits for a worker of it, and fails after
// fovea.model-wait if none comes; --top-k ranks classes.
#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <set>
#include <sstream>

#include "tests/support/cluster.hpp"
#include "tests/support/csv.hpp"
#include "tests/support/images.hpp"
#include "tests/support/process.hpp"

using namespace fovea;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// A copy of the shipped model folder `from` whose model.ini says `name`
// and `version` (and without the lines `drop` starts): the same network
// under another label, as a user's renamed copy would be.
fs::path relabelled_model(const fs::path& dir, const std::string& from,
                          const std::string& name, const std::string& version,
                          const std::string& drop = "\x01") {
  auto to = dir / (name + "-" + version);
  fs::copy(fs::path{test::source_dir()} / "models" / from, to,
           fs::copy_options::recursive);
  std::ifstream in{to / "model.ini"};
  std::string text;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("name = ", 0) == 0)
      line = "name = \"" + name + "\"";
    else if (line.rfind("version = ", 0) == 0)
      line = "version = \"" + version + "\"";
    else if (line.rfind(drop, 0) == 0)
      continue;
    text += line + "\n";
  }
  std::ofstream{to / "model.ini", std::ios::trunc} << text;
  return to;
}

std::vector<std::string> labels_of(const fs::path& model) {
  std::ifstream in{model / "labels.txt"};
  std::vector<std::string> labels;
  for (std::string line; std::getline(in, line);)
    labels.push_back(line);
  return labels;
}

// The labels of `model` in reverse: rows of that model are told apart by
// their class names.
void reverse_labels(const fs::path& model) {
  auto labels = labels_of(model);
  std::reverse(labels.begin(), labels.end());
  std::ofstream out{model / "labels.txt", std::ios::trunc};
  for (auto& label : labels)
    out << label << "\n";
}

// Every row of `results` comes from `model` (name@version) and names its
// class from that model's label list.
void check_rows_of(const fs::path& results, const std::string& model,
                   const fs::path& folder) {
  auto labels = labels_of(folder);
  for (auto& row : test::read_results(results).rows) {
    INFO(results << ": " << row.path);
    CHECK(row.model == model);
    REQUIRE(row.label >= 0);
    REQUIRE(row.label < static_cast<int>(labels.size()));
    CHECK(row.class_name == labels[row.label]);
  }
}

std::set<std::string> workers_of(const fs::path& results) {
  std::set<std::string> out;
  for (auto& row : test::read_results(results).rows)
    out.insert(row.worker);
  return out;
}

} // namespace

TEST_CASE("each job runs on the model it names, and a cluster of two model "
          "names refuses a job that names none",
          "[integration][models]") {
  auto dir = test::fresh_dir("two-models");
  auto paths = test::write_pattern_pngs(dir / "images", 120);
  // Two real networks (version 1 and version 2's), the second under
  // another name and with its label list reversed.
  auto shoes = relabelled_model(dir, "fashion-mnist/2", "shoes-only", "7");
  reverse_labels(shoes);
  test::local_cluster cluster{1};
  cluster.add_worker({"--fovea.model=" + shoes.string()}); // w2
  auto images = (dir / "images").string();

  auto [refused, why] =
      test::run_fovea({"submit", "--coordinator", cluster.address, images,
                       "--out", (dir / "any.csv").string()});
  INFO(why);
  CHECK(refused == 2);
  CHECK(why.find("serves several models (fashion-mnist, shoes-only)") !=
        std::string::npos);
  CHECK_FALSE(fs::exists(dir / "any.csv"));

  auto [bad, bad_why] = test::run_fovea(
      {"submit", "--coordinator", cluster.address, images, "--model",
       "shoes-only@v7", "--out", (dir / "bad.csv").string()});
  INFO(bad_why);
  CHECK(bad == 2);
  CHECK(bad_why.find("--model shoes-only@v7: not NAME or NAME@VERSION") !=
        std::string::npos);

  for (auto [model, worker] :
       {std::pair{"shoes-only", "w2"}, std::pair{"fashion-mnist@1", "w1"}}) {
    auto out = dir / (std::string{worker} + ".csv");
    auto [code, output] =
        test::run_fovea({"submit", "--coordinator", cluster.address, images,
                         "--model", model, "--out", out.string()});
    INFO(model << ": " << output);
    REQUIRE(code == 0);
    test::check_results(out, paths);
    CHECK(workers_of(out) == std::set<std::string>{worker});
  }
  // The shell shows which worker serves what.
  test::child_process shell{{"shell", cluster.address}};
  shell.write_input("models\n");
  shell.close_input();
  CHECK(shell.wait_for_exit(120s) == 0);
  INFO(shell.output());
  CHECK(shell.output().find("model            workers  draining") !=
        std::string::npos);
  CHECK(shell.output().find("fashion-mnist@1        1         0") !=
        std::string::npos);
  CHECK(shell.output().find("shoes-only@7           1         0") !=
        std::string::npos);
  // The same images, two label lists: the rows name their model's classes.
  check_rows_of(dir / "w1.csv", "fashion-mnist@1",
                fs::path{test::source_dir()} / "models" / "fashion-mnist" / "1");
  check_rows_of(dir / "w2.csv", "shoes-only@7", shoes);
  auto fashion = test::read_results(dir / "w1.csv").rows;
  auto reversed = test::read_results(dir / "w2.csv").rows;
  REQUIRE(fashion.size() == reversed.size());
  std::map<std::string, std::string> fashion_class;
  for (auto& row : fashion)
    fashion_class[row.path] = row.class_name;
  size_t differ = 0;
  for (auto& row : reversed)
    differ += fashion_class.at(row.path) != row.class_name ? 1 : 0;
  CHECK(differ > 0);
  cluster.stop();
}

TEST_CASE("a worker is refused if its name@version is served already from "
          "another model.pt",
          "[integration][models]") {
  auto dir = test::fresh_dir("model-clash");
  // The int8 network under the fp32 model's label: another model.pt.
  auto impostor = relabelled_model(dir, "fashion-mnist-int8/1", "fashion-mnist",
                                   "1", "cpu-flags");
  test::local_cluster cluster{1};
  // A refused registration is tried again until the connect timeout (a
  // restarted worker's old registration may still hold its model): 3 s
  // of it, not the shipped 30.
  test::child_process worker{{"node", "--config", "config/worker.ini",
                              "--fovea.coordinator=" + cluster.address,
                              "--fovea.id=w9", "--fovea.connect-timeout=3s",
                              "--fovea.model=" + impostor.string()}};
  auto code = worker.wait_for_exit(120s);
  INFO(worker.output());
  CHECK(code != 0);
  CHECK(worker.output().find("model fashion-mnist@1 is served already from "
                             "another model.pt") != std::string::npos);
  // It said why at the first refusal, before it gave up.
  auto refused = worker.output().find("the coordinator refused its "
                                      "registration (invalid request: model "
                                      "fashion-mnist@1 is served already");
  auto gave_up = worker.output().find("gave up after trying");
  CHECK(refused != std::string::npos);
  CHECK(refused < gave_up);
  // The first worker still serves the cluster alone.
  test::child_process shell{{"shell", cluster.address}};
  shell.write_input("nodes\n");
  shell.close_input();
  CHECK(shell.wait_for_exit(120s) == 0);
  INFO(shell.output());
  CHECK(shell.output().find("w1") != std::string::npos);
  CHECK(shell.output().find("w9") == std::string::npos);
  cluster.stop();
}

TEST_CASE("a job whose model no worker serves fails after fovea.model-wait",
          "[integration][models]") {
  auto dir = test::fresh_dir("model-wait");
  test::write_pattern_pngs(dir / "images", 40);
  test::local_cluster cluster{1, {"--fovea.model-wait=3s"}};
  auto images = (dir / "images").string();

  auto [code, output] = test::run_fovea(
      {"submit", "--coordinator", cluster.address, images, "--model",
       "shoes-only", "--out", (dir / "never.csv").string()});
  INFO(output);
  CHECK(code == 1);
  CHECK(output.find("no worker served shoes-only within 3 s "
                    "(fovea.model-wait)") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "never.csv"));
  cluster.stop();
}

TEST_CASE("a job whose model no worker serves runs on the worker that brings "
          "it",
          "[integration][models]") {
  auto dir = test::fresh_dir("model-late");
  auto paths = test::write_pattern_pngs(dir / "images", 40);
  auto shoes = relabelled_model(dir, "fashion-mnist/1", "shoes-only", "7");
  test::local_cluster cluster{1}; // fovea.model-wait: 10 min
  auto images = (dir / "images").string();
  test::child_process waiting{{"submit", "--coordinator", cluster.address,
                               images, "--model", "shoes-only@7", "--out",
                               (dir / "late.csv").string()}};
  REQUIRE(cluster.coordinator->wait_for_line(
      "waits: no worker serves shoes-only@7 now", 60s));
  // The client says why it waits and until when, and so does `jobs`.
  auto note = waiting.wait_for_line("fovea: the job waits: no worker serves "
                                    "shoes-only@7 now; it fails at ",
                                    60s);
  REQUIRE(note);
  CHECK(note->find("UTC (fovea.model-wait 10 min) unless one joins")
        != std::string::npos);
  test::child_process shell{{"shell", cluster.address}};
  shell.write_input("jobs\nquit\n");
  shell.close_input();
  CHECK(shell.wait_for_exit(60s) == 0);
  INFO(shell.output());
  CHECK(shell.output().find("waiting") != std::string::npos);
  CHECK(shell.output().find("job 1 waits: no worker serves shoes-only@7 now")
        != std::string::npos);
  cluster.add_worker({"--fovea.model=" + shoes.string()}); // w2
  CHECK(waiting.wait_for_exit(120s) == 0);
  INFO(waiting.output());
  test::check_results(dir / "late.csv", paths);
  CHECK(workers_of(dir / "late.csv") == std::set<std::string>{"w2"});
  cluster.stop();
}

TEST_CASE("a job whose model's last worker is lost fails after "
          "fovea.model-wait",
          "[integration][models]") {
  auto dir = test::fresh_dir("model-lost");
  test::write_pattern_pngs(dir / "images", 40);
  test::local_cluster cluster{1, {"--fovea.model-wait=3s"}};
  // Frozen, w1 takes the job's tasks and answers nothing; the heartbeat
  // (middleman.connection-timeout) then reports it lost.
  cluster.workers[0]->signal(SIGSTOP);
  auto [code, output] = test::run_fovea(
      {"submit", "--coordinator", cluster.address, (dir / "images").string(),
       "--out", (dir / "lost.csv").string()});
  INFO(output);
  CHECK(code == 1);
  CHECK(output.find("no worker served fashion-mnist@1 for 3 s "
                    "(fovea.model-wait)") != std::string::npos);
  cluster.workers[0]->signal(SIGKILL);
  cluster.workers.clear();
  cluster.stop();
}

TEST_CASE("a job with top-k ranks each row's classes, best first, on a cluster "
          "and in one process",
          "[integration][models]") {
  auto dir = test::fresh_dir("top-k");
  auto paths = test::write_pattern_pngs(dir / "images", 30);
  auto images = (dir / "images").string();
  test::local_cluster cluster{1};
  auto submitted = dir / "submitted.csv";
  auto classified = dir / "classified.csv";
  for (auto& args : std::vector<std::vector<std::string>>{
           {"submit", "--coordinator", cluster.address, images, "--top-k", "3",
            "--out", submitted.string()},
           {"classify", images, "--workers", "1", "--top-k", "3", "--out",
            classified.string()}}) {
    auto [code, output] = test::run_fovea(args);
    INFO(output);
    REQUIRE(code == 0);
  }
  for (auto& file : {submitted, classified}) {
    INFO(file);
    auto results = test::read_results(file);
    CHECK(results.header == "path,label,class,score,worker,error,model,top_k");
    size_t rows = 0;
    for (auto& row : results.rows) {
      ++rows;
      std::istringstream ranking{row.top_k};
      std::vector<std::pair<int, double>> entries;
      for (std::string entry; ranking >> entry;) {
        auto colon = entry.find(':');
        REQUIRE(colon != std::string::npos);
        entries.emplace_back(std::stoi(entry.substr(0, colon)),
                             std::stod(entry.substr(colon + 1)));
      }
      REQUIRE(entries.size() == 3);
      CHECK(entries[0].first == row.label); // led by the row's label
      CHECK(entries[0].second == Approx(row.score));
      CHECK(entries[0].second >= entries[1].second);
      CHECK(entries[1].second >= entries[2].second);
      CHECK(entries[0].second + entries[1].second + entries[2].second <=
            1.0 + 1e-5);
    }
    CHECK(rows == paths.size());
  }
  auto [bad, why] = test::run_fovea(
      {"classify", images, "--top-k", "0", "--out", (dir / "no.csv").string()});
  INFO(why);
  CHECK(bad == 2);
  CHECK(why.find("--top-k 0: not a number from 1 to 100") != std::string::npos);
  cluster.stop();
}
