// Where journals live: each certificate's in its own folder, earlier
// releases' adopted, and old ones expired within a quota.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "jobs/journal_store.hpp"
#include "tests/support/images.hpp"

using namespace fovea;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

void write(const std::string& path, size_t bytes) {
  fs::create_directories(fs::path{path}.parent_path());
  std::ofstream{path} << std::string(bytes, 'j');
}

} // namespace

TEST_CASE("each certificate's journals live in a folder of its own",
          "[unit][journal]") {
  journal_store store{"/var/j"};
  CHECK(store.path("", "nightly") == "/var/j/nightly.journal");
  CHECK(store.path("alice", "nightly") == "/var/j/owners/alice/nightly.journal");
  CHECK(store.path("alice", "nightly") != store.path("mallory", "nightly"));
}

TEST_CASE("a certificate adopts a journal an earlier release left, if it "
          "is for its inputs, once",
          "[unit][journal]") {
  auto dir = test::fresh_dir("journal-adopt").string();
  journal_store store{dir};
  write(dir + "/nightly.journal", 10);
  auto yes = [](const std::string&) { return true; };
  auto no = [](const std::string&) { return false; };
  // Not mallory's inputs: it stays where it is.
  CHECK(store.adopt("mallory", "nightly", no).empty());
  CHECK(fs::exists(dir + "/nightly.journal"));
  CHECK(store.adopt("alice", "nightly", yes) == dir + "/nightly.journal");
  CHECK(fs::exists(store.path("alice", "nightly")));
  CHECK_FALSE(fs::exists(dir + "/nightly.journal"));
  // Nothing left to adopt for another certificate.
  CHECK(store.adopt("mallory", "nightly", yes).empty());
  CHECK(store.adopt("", "nightly", yes).empty());
}

TEST_CASE("journals not written within their time to live expire, and the "
          "rest are counted",
          "[unit][journal]") {
  auto dir = test::fresh_dir("journal-sweep").string();
  journal_store store{dir};
  write(store.path("", "a"), 100);
  write(store.path("alice", "b"), 200);
  write(store.path("bob", "c"), 300);
  write(dir + "/.lock", 5);          // not a journal
  write(dir + "/notes.txt", 1000);   // nor this
  auto now = std::chrono::system_clock::now();
  // Within the time to live: all stay.
  auto kept = store.sweep(1h, {}, now);
  CHECK(kept.bytes == 600);
  CHECK(kept.expired.empty());
  // An hour later, all but the running job's expire.
  auto later = store.sweep(1h, {store.path("alice", "b")}, now + 2h);
  CHECK(later.bytes == 200);
  CHECK(later.expired.size() == 2);
  CHECK_FALSE(fs::exists(store.path("", "a")));
  CHECK_FALSE(fs::exists(store.path("bob", "c")));
  CHECK(fs::exists(store.path("alice", "b")));
}
