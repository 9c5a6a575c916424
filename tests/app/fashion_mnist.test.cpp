// The shipped model on the real test set, through both paths: the cluster
// of three processes and the embedded classifier agree on every label, and
// the accuracy holds.
#include <catch2/catch.hpp>

#include <map>

#include "jobs/evaluation.hpp"
#include "messages/errors.hpp"
#include "tests/support/certificates.hpp"
#include "tests/support/cluster.hpp"
#include "tests/support/csv.hpp"
#include "tests/support/images.hpp"
#include "tests/support/process.hpp"
#include "tests/support/skip.hpp"
#include "vision/cpu_features.hpp"

using namespace fovea;
using namespace std::chrono_literals;

namespace {

std::map<std::string, int> labels_by_path(const std::string& file) {
  std::map<std::string, int> labels;
  for (auto& row : test::read_results(file).rows)
    labels[row.path] = row.label;
  return labels;
}

} // namespace

TEST_CASE("the 10,000 Fashion-MNIST test images: at least 0.93 accurate "
          "through a TLS cluster, and the same labels embedded",
          "[integration][slow]") {
  auto dir = test::fresh_dir("fashion-mnist");
  // A comma in the folder's name: truth.csv quotes the paths, and --truth
  // reads them back (it once split them at the comma).
  auto images = (dir / "test,split").string();
  auto truth = images + "/truth.csv";
  auto imported = test::run_fovea(
    {"dataset", "fashion-mnist", "--split", "test", "--out", images});
  INFO(imported.second);
  REQUIRE(imported.first == 0);

  // Certificates from fovea certs: the cluster talks TLS throughout.
  auto pki = (dir / "pki").string();
  test::fovea_certs(pki, {"coord"}, "coordinator");
  test::fovea_certs(pki, {"w1", "w2"}, "worker");
  test::fovea_certs(pki, {"alice"}, "client");
  test::local_cluster cluster{2, {}, {}, pki};
  auto distributed = (dir / "distributed.csv").string();
  std::vector<std::string> submit{"submit", "--coordinator", cluster.address,
                                  images, "--out", distributed, "--truth",
                                  truth};
  auto tls = cluster.tls_flags("alice");
  submit.insert(submit.end(), tls.begin(), tls.end());
  auto submitted = test::run_fovea(submit, 300s);
  INFO(submitted.second);
  REQUIRE(submitted.first == 0);
  cluster.stop();

  auto embedded = (dir / "embedded.csv").string();
  auto classified = test::run_fovea(
    {"classify", images, "--out", embedded, "--truth", truth}, 300s);
  INFO(classified.second);
  REQUIRE(classified.first == 0);

  auto eval = evaluate(distributed, truth);
  REQUIRE(eval);
  CHECK(eval->scored == 10000);
  CHECK(eval->errors == 0);
  // The shipped model's measured accuracy, whatever graph form serves it.
  CHECK(eval->accuracy() == Approx(0.9371).margin(0.001));
  CHECK(submitted.second.find("accuracy 0.9") != std::string::npos);
  CHECK_THAT(cluster.coordinator->output(), Catch::Contains("TLS edge"));
  CHECK(std::filesystem::exists(dir / "distributed.confusion.png"));

  auto a = labels_by_path(distributed);
  auto b = labels_by_path(embedded);
  REQUIRE(a.size() == 10000);
  REQUIRE(b.size() == 10000);
  int differing = 0;
  for (auto& [path, label] : a)
    differing += b.count(path) == 0 || b[path] != label;
  CHECK(differing == 0);
}

TEST_CASE("the int8 variant through fovea stays within 0.3 points of the "
          "fp32 model",
          "[integration][slow]") {
  if (!missing_cpu_flags({"avx512_vnni"}).empty()) {
    test::skip_test("this CPU lacks avx512_vnni, which the int8 variant needs");
    return;
  }
  auto dir = test::fresh_dir("fashion-mnist-int8");
  auto images = (dir / "test").string();
  auto truth = images + "/truth.csv";
  REQUIRE(test::run_fovea({"dataset", "fashion-mnist", "--split", "test",
                           "--out", images})
            .first
          == 0);
  auto accuracy_of = [&](const std::string& model) {
    auto out = (dir / (model + ".csv")).string();
    auto run = test::run_fovea(
      {"classify", images, "--model",
       std::string{FOVEA_SOURCE_DIR} + "/models/" + model + "/1", "--out", out},
      300s);
    INFO(run.second);
    REQUIRE(run.first == 0);
    auto eval = evaluate(out, truth);
    REQUIRE(eval);
    REQUIRE(eval->scored == 10000);
    return eval->accuracy();
  };
  auto fp32 = accuracy_of("fashion-mnist");
  auto int8 = accuracy_of("fashion-mnist-int8");
  CHECK(int8 == Approx(fp32).margin(0.003));
}
