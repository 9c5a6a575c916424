// A worker's reads of S3 objects on a real store (s3rver behind a front
// that checks signatures): each read names the version it got, and an
// object still at the version a resumed row names is not sent again.
#include <catch2/catch.hpp>

#include <future>

#include "storage/reference_reader.hpp"
#include "messages/prediction.hpp"
#include "tests/support/images.hpp"
#include "tests/support/object_store.hpp"
#include "tests/support/skip.hpp"

using namespace fovea;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct read_result {
  std::vector<image_task> tasks;
  std::vector<std::string> versions;
  std::string outage;
};

read_result read_now(reference_reader& reader, std::vector<image_task> tasks) {
  std::promise<read_result> answered;
  auto result = answered.get_future();
  reader.read(std::move(tasks),
              [&](std::vector<image_task> read,
                  std::vector<std::string> versions, std::string outage) {
                answered.set_value(
                    {std::move(read), std::move(versions), std::move(outage)});
              });
  REQUIRE(result.wait_for(60s) == std::future_status::ready);
  return result.get();
}

image_task object_task(const std::string& key, std::string known = {}) {
  image_task task;
  task.path = "s3://images/" + key;
  task.reference = reference_kind::s3;
  task.known_version = std::move(known);
  return task;
}

} // namespace

TEST_CASE("an S3 read names the object's ETag, and an object still at a "
          "known ETag is answered 304 without its bytes",
          "[integration][storage]") {
  if (auto missing = test::object_store_missing(); !missing.empty()) {
    test::skip_test(missing);
    return;
  }
  auto dir = test::fresh_dir("reader-versions");
  auto upload = dir / "upload";
  fs::create_directories(upload);
  auto png = test::pattern_png(4);
  test::write_file(upload / "a.png", png);
  test::object_store store{dir / "store", "images", upload, "v/"};
  REQUIRE(store.ready());
  storage_settings settings;
  settings.s3_endpoint = store.endpoint();
  settings.s3_credentials = test::write_credentials(dir);
  settings.s3_buckets = {"images"};
  auto reader = reference_reader::open(settings);
  REQUIRE(reader);
  auto first = read_now(**reader, {object_task("v/a.png"),
                                   object_task("v/missing.png")});
  REQUIRE(first.outage.empty());
  REQUIRE(first.versions.size() == 2);
  CHECK(first.tasks[0].error.empty());
  CHECK(first.tasks[0].bytes == png);
  auto etag = first.versions[0];
  CHECK_THAT(etag, Catch::Matches("\"[0-9a-f]{32}\""));
  CHECK_THAT(first.tasks[1].error, Catch::Contains("404"));
  CHECK(first.versions[1] == unknown_source_version);
  // Resumed, unchanged: the store answers 304 (If-None-Match), no bytes.
  auto same = read_now(**reader, {object_task("v/a.png", etag)});
  CHECK(same.tasks[0].error.empty());
  CHECK(same.tasks[0].bytes.empty());
  CHECK(same.versions[0] == etag);
  // Resumed from a row of another version: the object is read again.
  auto changed = read_now(**reader, {object_task("v/a.png", "\"0123\"")});
  CHECK(changed.tasks[0].error.empty());
  CHECK(changed.tasks[0].bytes == png);
  CHECK(changed.versions[0] == etag);
}
