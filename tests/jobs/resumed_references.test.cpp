// A resumed job's journaled rows of referenced inputs: each is handed to a
// worker's check by its object's version, and used again only once.
#include <catch2/catch.hpp>

#include "jobs/resumed_references.hpp"
#include "tests/support/images.hpp"

using namespace fovea;

namespace {

prediction reference_row(uint64_t index, std::string version,
                         int32_t label) {
  prediction p;
  p.index = index;
  p.path = "s3://bucket/" + std::to_string(index) + ".png";
  p.label = label;
  p.class_name = "class " + std::to_string(label);
  p.score = 0.75f;
  p.worker = "w1";
  p.source_version = std::move(version);
  return p;
}

image_task reference_task(uint64_t index) {
  image_task task;
  task.index = index;
  task.path = "s3://bucket/" + std::to_string(index) + ".png";
  task.reference = reference_kind::s3;
  return task;
}

// Journals `rows` and notes every one of them, as a replay does.
resumed_references noted(const std::vector<prediction>& rows) {
  auto path = journal_path(test::fresh_dir("resumed-refs").string(), "job");
  {
    auto journal =
        job_journal::open(path, journal_header{"job", 10, 1, 2}, nullptr);
    REQUIRE(journal);
    for (auto& r : rows)
      journal->append(r, std::string(64, 'a'));
    REQUIRE_FALSE(journal->sync());
  }
  auto replay = journal_reader::open(path);
  auto checker = journal_reader::open(path);
  REQUIRE(replay);
  REQUIRE(checker);
  resumed_references refs{std::move(*checker)};
  std::vector<prediction> part;
  std::vector<uint64_t> offsets;
  while (replay->next(part, 2, &offsets))
    for (size_t i = 0; i < part.size(); ++i)
      refs.note(part[i].index, offsets[i]);
  refs.seal();
  return refs;
}

} // namespace

TEST_CASE("a resumed reference's task names the version its row was read "
          "from, and the row is handed out once", "[unit]") {
  auto refs = noted({reference_row(3, "\"v3\"", 7),
                     reference_row(5, "\"v5\"", 2)});
  CHECK(refs.size() == 2);
  auto task = reference_task(3);
  CHECK(refs.prepare(task) > 0);
  CHECK(task.known_version == "\"v3\"");
  CHECK(refs.held() == 1);
  auto kept = refs.take(3);
  REQUIRE(kept);
  CHECK(kept->label == 7);
  CHECK(kept->source_version == "\"v3\"");
  CHECK_FALSE(refs.take(3));
  CHECK(refs.held() == 0);
  CHECK(refs.reused() == 1);
  // An input without a journaled row is read as any other.
  auto other = reference_task(4);
  CHECK(refs.prepare(other) == 0);
  CHECK(other.known_version.empty());
}

TEST_CASE("of an input's several journaled rows, the newest is checked", "[unit]") {
  auto refs = noted({reference_row(1, "\"old\"", 1),
                     reference_row(2, "\"two\"", 2),
                     reference_row(1, "\"new\"", 4)});
  CHECK(refs.size() == 2);
  auto task = reference_task(1);
  REQUIRE(refs.prepare(task) > 0);
  CHECK(task.known_version == "\"new\"");
  CHECK(refs.take(1)->label == 4);
}

TEST_CASE("a row whose object was not read is never checked, only read "
          "again", "[unit]") {
  auto refs = noted({reference_row(0, unknown_source_version, -1)});
  auto task = reference_task(0);
  CHECK(refs.prepare(task) == 0);
  CHECK(task.known_version.empty());
  CHECK(refs.held() == 0);
}

TEST_CASE("a held row is dropped once its input has another row", "[unit]") {
  auto refs = noted({reference_row(6, "\"v6\"", 6)});
  auto task = reference_task(6);
  REQUIRE(refs.prepare(task) > 0);
  refs.release(6);
  CHECK(refs.held() == 0);
  CHECK_FALSE(refs.take(6));
  CHECK(refs.reused() == 0);
}
