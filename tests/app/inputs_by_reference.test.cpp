// Inputs where they already live: a job over an S3 prefix on a real object
// store (s3rver behind a signature-checking front, started by the test),
// and what a worker refuses to read for a client: other buckets, hosts
// not listed (a cloud's metadata address among them), files outside its
// shared roots, and a store that does not know its key.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>

#include <csignal>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "jobs/job_journal.hpp"
#include "storage/s3_listing.hpp"
#include "tests/support/cluster.hpp"
#include "tests/support/csv.hpp"
#include "tests/support/http_get.hpp"
#include "tests/support/images.hpp"
#include "tests/support/journal.hpp"
#include "tests/support/object_store.hpp"
#include "tests/support/process.hpp"
#include "tests/support/skip.hpp"
#include "tests/support/wait.hpp"

using namespace fovea;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// The 10,000 Fashion-MNIST test PNGs, written once per test process from
// Debian's data set (a fresh clone has no demo/).
fs::path fashion_test_set() {
  static const fs::path images = [] {
    auto dir = test::fresh_dir("fashion-test-set") / "images";
    auto [code, output] = test::run_fovea(
        {"dataset", "fashion-mnist", "--split", "test", "--out", dir.string()});
    INFO(output);
    REQUIRE(code == 0);
    return dir;
  }();
  return images;
}

// The first `count` test images, copied into a folder of their own.
fs::path first_images(const fs::path& dir, size_t count) {
  fs::create_directories(dir);
  for (size_t i = 0; i < count; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "%05zu.png", i);
    fs::copy_file(fashion_test_set() / name, dir / name);
  }
  return dir;
}

// File name -> label of a results file's rows.
std::map<std::string, int> labels_by_name(const fs::path& results) {
  std::map<std::string, int> labels;
  for (auto& row : test::read_results(results).rows)
    labels[fs::path{row.path}.filename().string()] = row.label;
  return labels;
}

// path -> error of a results file's rows.
std::map<std::string, std::string> errors_by_path(const fs::path& results) {
  std::map<std::string, std::string> errors;
  for (auto& row : test::read_results(results).rows)
    errors[row.path] = row.error;
  return errors;
}

uint64_t folder_bytes(const fs::path& dir) {
  uint64_t total = 0;
  for (auto& entry : fs::directory_iterator(dir))
    total += entry.file_size();
  return total;
}

} // namespace

TEST_CASE("a job over an S3 prefix gives the labels the same files give "
          "from disk, and its client reads none of the images",
          "[integration][storage]") {
  if (auto missing = test::object_store_missing(); !missing.empty()) {
    test::skip_test(missing);
    return;
  }
  auto dir = test::fresh_dir("s3-job");
  auto images = first_images(dir / "images", 1000);
  test::object_store store{dir / "store", "images", images,
                           "fashion-mnist-test/"};
  REQUIRE(store.ready());
  auto credentials = test::write_credentials(dir);
  std::vector<std::string> storage{"--fovea.s3-endpoint=" + store.endpoint(),
                                   "--fovea.s3-credentials=" + credentials};
  auto worker_args = storage;
  worker_args.push_back(R"(--fovea.s3-buckets=["images"])");
  test::local_cluster cluster{2, {}, worker_args};
  auto by_reference = dir / "s3.csv";
  auto args = test::submit_args(
      cluster.address, "s3://images/fashion-mnist-test/", by_reference);
  args.insert(args.end(), storage.begin(), storage.end());
  test::child_process submit{args};
  REQUIRE(submit.wait_for_exit(180s) == 0);
  INFO(submit.output());
  auto from_disk = dir / "disk.csv";
  test::child_process pushed{
      test::submit_args(cluster.address, images, from_disk)};
  REQUIRE(pushed.wait_for_exit(180s) == 0);
  auto s3_labels = labels_by_name(by_reference);
  CHECK(s3_labels.size() == 1000);
  CHECK(s3_labels == labels_by_name(from_disk));
  for (auto& [path, error] : errors_by_path(by_reference)) {
    CHECK(path.starts_with("s3://images/fashion-mnist-test/"));
    CHECK(error == "");
  }
  // Both clients read their config and the model's labels (and, in the
  // sanitizer build, the sanitizer's own files); only the one that pushed
  // read the images. (rchar counts read(), not a socket's recv(): the
  // listing's bytes are not in it.)
  auto image_bytes = folder_bytes(images);
  CAPTURE(submit.read_chars(), pushed.read_chars(), image_bytes);
  CHECK(submit.read_chars() > 0);
  CHECK(pushed.read_chars() >= image_bytes);
  CHECK(submit.read_chars() + image_bytes * 3 / 4 < pushed.read_chars());
  cluster.stop();
}

TEST_CASE("what a worker may not read for a client is that input's error "
          "row naming the rule, and the rest of the job is classified",
          "[integration][storage]") {
  if (auto missing = test::object_store_missing(); !missing.empty()) {
    test::skip_test(missing);
    return;
  }
  auto dir = test::fresh_dir("s3-refusals");
  auto images = first_images(dir / "images", 2);
  test::object_store store{dir / "store", "images", images, "fm/"};
  REQUIRE(store.ready());
  // A shared root, a file outside it, and a link from inside to outside.
  auto root = dir / "shared";
  fs::create_directories(root);
  fs::copy_file(images / "00000.png", root / "inside.png");
  fs::copy_file(images / "00001.png", dir / "outside.png");
  fs::create_symlink(dir / "outside.png", root / "link-out.png");
  auto list = dir / "inputs.txt";
  {
    std::ofstream out{list};
    out << "s3://images/fm/00000.png\n"
        << "s3://images/fm/missing.png\n"
        << "s3://other-bucket/fm/00000.png\n"
        << "https://169.254.169.254/latest/meta-data/iam/x.png\n"
        << "https://images.example.com@169.254.169.254/x.png\n"
        << store.endpoint() << "/images/fm/00000.png\n"
        << (root / "inside.png").string() << "\n"
        << (root / "link-out.png").string() << "\n"
        << (root / ".." / "outside.png").string() << "\n";
  }
  auto out = dir / "r.csv";
  auto [code, output] = test::run_fovea(
      {"classify", list.string(), "--shared", "--out", out.string(),
       "--workers", "1", "--fovea.s3-endpoint=" + store.endpoint(),
       "--fovea.s3-credentials=" + test::write_credentials(dir),
       R"(--fovea.s3-buckets=["images"])",
       R"(--fovea.http-hosts=["images.example.com"])",
       "--fovea.shared-roots=[\"" + root.string() + "\"]"},
      120s);
  INFO(output);
  REQUIRE(code == 0);
  auto errors = errors_by_path(out);
  REQUIRE(errors.size() == 9);
  CHECK(errors.at("s3://images/fm/00000.png") == "");
  CHECK_THAT(errors.at("s3://images/fm/missing.png"),
             Catch::Contains("404 (NoSuchKey)"));
  CHECK_THAT(errors.at("s3://other-bucket/fm/00000.png"),
             Catch::Contains("bucket other-bucket is not on this worker's "
                             "fovea.s3-buckets"));
  CHECK_THAT(errors.at("https://169.254.169.254/latest/meta-data/iam/x.png"),
             Catch::Contains("169.254.169.254:443 is not on this worker's "
                             "fovea.http-hosts"));
  CHECK_THAT(errors.at("https://images.example.com@169.254.169.254/x.png"),
             Catch::Contains("user or password"));
  CHECK_THAT(errors.at(store.endpoint() + "/images/fm/00000.png"),
             Catch::Contains("only https:// inputs"));
  CHECK(errors.at((root / "inside.png").string()) == "");
  CHECK_THAT(errors.at((root / "link-out.png").string()),
             Catch::Contains("leads out of its shared root"));
  CHECK_THAT(errors.at((root / ".." / "outside.png").string()),
             Catch::Contains("leads out of its shared root"));
}

TEST_CASE("a store that does not know the worker's secret refuses every "
          "read, and each input's row says so",
          "[integration][storage]") {
  if (auto missing = test::object_store_missing(); !missing.empty()) {
    test::skip_test(missing);
    return;
  }
  auto dir = test::fresh_dir("s3-wrong-secret");
  auto images = first_images(dir / "images", 3);
  test::object_store store{dir / "store", "images", images, "fm/"};
  REQUIRE(store.ready());
  auto out = dir / "r.csv";
  auto [code, output] = test::run_fovea(
      {"classify", "s3://images/fm/00000.png", "s3://images/fm/00001.png",
       "--out", out.string(), "--workers", "1",
       "--fovea.s3-endpoint=" + store.endpoint(),
       "--fovea.s3-credentials=" +
           test::write_credentials(dir, test::store_access_key, "not-it"),
       R"(--fovea.s3-buckets=["images"])"},
      120s);
  INFO(output);
  REQUIRE(code == 0);
  auto errors = errors_by_path(out);
  REQUIRE(errors.size() == 2);
  for (auto& [path, error] : errors)
    CHECK_THAT(error, Catch::Contains("403 (SignatureDoesNotMatch)"));
}

TEST_CASE("an S3 prefix of 2,000 objects in pages of 100 is listed page by "
          "page, each object once and in order",
          "[integration][storage]") {
  if (auto missing = test::object_store_missing(); !missing.empty()) {
    test::skip_test(missing);
    return;
  }
  auto dir = test::fresh_dir("s3-listing");
  auto objects = dir / "objects";
  fs::create_directories(objects);
  // Twenty pages, as 20,000 objects would be on S3 (1,000 a page), with
  // a tenth of the uploads (20 s of the test's time).
  constexpr int count = 2000;
  for (int i = 0; i < count; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "%05d.png", i);
    std::ofstream{objects / name} << i;
  }
  test::object_store store{dir / "store", "images", objects, "many/", 100};
  REQUIRE(store.ready());
  storage_settings settings;
  settings.s3_endpoint = store.endpoint();
  settings.s3_credentials = test::write_credentials(dir);
  auto listing = s3_listing::open(settings, "s3://images/many/");
  REQUIRE(listing);
  std::vector<std::string> listed;
  for (s3_listed object; (*listing)->next(object);)
    listed.push_back(object.reference);
  INFO((*listing)->error());
  CHECK((*listing)->error().empty());
  REQUIRE(listed.size() == count);
  for (int i = 0; i < count; i += 97) {
    char name[40];
    std::snprintf(name, sizeof name, "s3://images/many/%05d.png", i);
    CHECK(listed[i] == name);
  }
  CHECK(std::is_sorted(listed.begin(), listed.end()));
  CHECK(std::adjacent_find(listed.begin(), listed.end()) == listed.end());
}

TEST_CASE("a store that goes away mid-job pauses the job, which finishes "
          "when the store is back, with every row once and no error row",
          "[integration][storage]") {
  if (auto missing = test::object_store_missing(); !missing.empty()) {
    test::skip_test(missing);
    return;
  }
  auto dir = test::fresh_dir("s3-outage");
  constexpr size_t count = 1000;
  auto images = first_images(dir / "images", count);
  test::object_store store{dir / "store", "images", images, "fm/"};
  REQUIRE(store.ready());
  // References one by one: the client never asks the store anything.
  auto list = dir / "inputs.txt";
  {
    std::ofstream out{list};
    for (auto& entry : fs::directory_iterator(images))
      out << "s3://images/fm/" << entry.path().filename().string() << "\n";
  }
  // Two reads in flight: slow enough that the store goes mid-job.
  test::local_cluster cluster{
      1,
      {"--fovea.http=127.0.0.1:0"},
      {"--fovea.s3-endpoint=" + store.endpoint(),
       "--fovea.s3-credentials=" + test::write_credentials(dir),
       R"(--fovea.s3-buckets=["images"])", "--fovea.storage-reads=2"}};
  auto out = dir / "r.csv";
  test::child_process submit{test::submit_args(cluster.address, list, out)};
  REQUIRE(test::wait_for_file(
      out.string() + ".partial", [&] { return test::rows_written(out) >= 100; },
      60s));
  store.stop();
  auto& coordinator = *cluster.coordinator;
  auto paused = coordinator.wait_for_line("paused: storage unavailable", 60s);
  INFO(coordinator.output());
  REQUIRE(paused);
  // While it waits, /metrics and the job's row say why.
  auto metrics_at = coordinator.output().find("metrics on");
  REQUIRE(metrics_at != std::string::npos);
  auto port = test::metrics_port(coordinator.output().substr(
      metrics_at, coordinator.output().find('\n', metrics_at) - metrics_at));
  REQUIRE(port);
  auto scraped = test::http_get("127.0.0.1", *port, "/metrics");
  CHECK(test::metric_sum(scraped.body, "fovea_jobs_paused_on_storage") == 1.0);
  CHECK(test::metric_sum(scraped.body, "fovea_storage_unavailable_total") >=
        1.0);
  CHECK(submit.running());
  REQUIRE(store.start_again());
  CHECK(coordinator.wait_for_line("store answers again", 60s));
  REQUIRE(submit.wait_for_exit(120s) == 0);
  auto results = test::read_results(out);
  REQUIRE(results.rows.size() == count);
  std::set<std::string> paths;
  for (auto& row : results.rows) {
    CHECK(row.error == "");
    paths.insert(row.path);
  }
  CHECK(paths.size() == count);
  cluster.stop();
}

TEST_CASE("an https input is fetched from a listed host over verified TLS, "
          "and a server the worker's CA did not sign gets no request",
          "[integration][storage]") {
  auto dir = test::fresh_dir("https-inputs");
  // A server certificate for localhost, its own CA: openssl's command line.
  auto [made, why] = test::run_command(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
      " -subj /CN=localhost -addext subjectAltName=DNS:localhost -days 1"
      " -keyout " +
      (dir / "key.pem").string() + " -out " + (dir / "cert.pem").string());
  INFO(why);
  REQUIRE(made == 0);
  fs::copy_file(fashion_test_set() / "00000.png", dir / "a.png");
  // openssl s_server -WWW serves the files of its folder over HTTPS.
  test::child_process server{{"s_server", "-WWW", "-accept", "0", "-cert",
                              "cert.pem", "-key", "key.pem"},
                             test::other_program{"/usr/bin/openssl", {}},
                             dir.string()};
  auto accept = server.wait_for_line("ACCEPT", 30s);
  REQUIRE(accept);
  auto port = accept->substr(accept->rfind(':') + 1);
  auto url = "https://localhost:" + port + "/a.png";
  auto classify = [&](std::vector<std::string> flags) {
    auto out = dir / "r.csv";
    std::vector<std::string> args{"classify",
                                  url,
                                  "--out",
                                  out.string(),
                                  "--workers",
                                  "1",
                                  "--fovea.http-hosts=[\"localhost:" + port +
                                      "\"]"};
    args.insert(args.end(), flags.begin(), flags.end());
    auto [code, output] = test::run_fovea(args, 120s);
    INFO(output);
    REQUIRE(code == 0);
    auto rows = test::read_results(out).rows;
    REQUIRE(rows.size() == 1);
    return rows[0];
  };
  auto trusted = classify({"--fovea.s3-ca=" + (dir / "cert.pem").string()});
  CHECK(trusted.error == "");
  CHECK(trusted.label == 9); // the first test image is an ankle boot
  // The system's store does not know this server: the handshake fails.
  auto untrusted = classify({});
  CHECK(untrusted.label == -1);
  CHECK_THAT(untrusted.error, Catch::Contains("certificate"));
}

TEST_CASE("a resumed job over shared files uses its journaled rows of "
          "files that did not change, and reads and classifies anew the "
          "ones that did", "[integration][storage]") {
  auto dir = test::fresh_dir("shared-resume");
  constexpr size_t count = 3000;
  auto images = first_images(dir / "shared", count);
  auto journals = dir / "journals";
  test::local_cluster cluster{
      2,
      {"--fovea.journal-dir=" + journals.string()},
      {"--fovea.shared-roots=[\"" + images.string() + "\"]"}};
  auto out = dir / "r.csv";
  std::vector<std::string> args{"submit",  "--coordinator", cluster.address,
                                images.string(), "--shared", "--out",
                                out.string(), "--job",      "catalogue"};
  {
    test::child_process submit{args};
    REQUIRE(test::wait_for_file(
        out.string() + ".partial",
        [&] { return test::rows_written(out) >= 300 || !submit.running(); },
        60s));
    INFO(submit.output());
    REQUIRE(submit.running()); // mid-job
    submit.signal(SIGKILL);
    CHECK(submit.wait_for_exit(10s) == 128 + SIGKILL);
  }
  REQUIRE(cluster.coordinator->wait_for_line("paused", 30s));
  auto kept = test::read_whole_journal(
      journal_path(journals.string(), "catalogue"));
  REQUIRE(kept);
  std::map<std::string, int> journaled; // path -> label
  for (auto& row : kept->rows) {
    REQUIRE(row.ok());
    // Each row says which version of its file it was read from.
    CHECK_THAT(row.source_version, Catch::Matches("[0-9]+:[0-9]+\\.[0-9]{9}"));
    journaled[row.path] = row.label;
  }
  INFO("rows in the journal: " << journaled.size());
  REQUIRE(journaled.size() >= 300);
  // Three journaled files take the bytes of journaled files of another
  // label (and a time of their own): their rows must change to that label.
  std::map<std::string, int> rewritten; // path -> the label it must get
  for (auto& [path, label] : journaled) {
    if (rewritten.size() == 3)
      break;
    auto other = std::find_if(journaled.begin(), journaled.end(),
                              [&, l = label](auto& entry) {
                                return entry.second != l &&
                                       !rewritten.count(entry.first);
                              });
    REQUIRE(other != journaled.end());
    if (rewritten.count(other->first) || rewritten.count(path))
      continue;
    auto bytes = test::read_file(other->first);
    test::write_file(path, bytes);
    struct timespec times[2] = {
        {0, UTIME_OMIT},
        {1'600'000'000 + static_cast<time_t>(rewritten.size()), 0}};
    REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
    rewritten[path] = other->second;
  }
  REQUIRE(rewritten.size() == 3);
  auto [code, output] = test::run_fovea(args);
  INFO(output);
  REQUIRE(code == 0);
  auto& coordinator = *cluster.coordinator;
  auto resumed = coordinator.wait_for_line("results from its journal", 10s);
  REQUIRE(resumed);
  CHECK_THAT(*resumed,
             Catch::Contains("of which " + std::to_string(journaled.size()) +
                             " of referenced objects"));
  auto finished = coordinator.wait_for_line("finished: 3000 inputs", 30s);
  REQUIRE(finished);
  CHECK_THAT(*finished,
             Catch::Contains("; " + std::to_string(journaled.size() - 3) +
                             " of its " + std::to_string(journaled.size()) +
                             " journaled rows of referenced objects used "
                             "again"));
  auto results = test::read_results(out);
  REQUIRE(results.rows.size() == count);
  std::set<std::string> paths;
  for (auto& row : results.rows) {
    paths.insert(row.path);
    if (auto changed = rewritten.find(row.path); changed != rewritten.end())
      CHECK(row.label == changed->second);
    else if (auto had = journaled.find(row.path); had != journaled.end())
      CHECK(row.label == had->second);
  }
  CHECK(paths.size() == count);
  cluster.stop();
}
