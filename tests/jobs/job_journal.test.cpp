// The job journal on disk: what is synced comes back, a torn tail left by a
// crash is cut off wherever the cut falls, and a write failure is reported.
#include <catch2/catch.hpp>

#include <filesystem>
#include <unistd.h>
#include <zlib.h>

#include "jobs/job_journal.hpp"
#include "jobs/journal_format.hpp"
#include "messages/errors.hpp"
#include "tests/support/file_size_limit.hpp"
#include "tests/support/images.hpp"
#include "tests/support/journal.hpp"

using namespace fovea;

namespace {

prediction row(uint64_t index) {
  prediction p;
  p.index = index;
  p.path = "images/" + std::to_string(index) + ".png";
  p.label = static_cast<int32_t>(index % 10);
  p.class_name = "class " + std::to_string(index % 10);
  p.score = 0.5f + static_cast<float>(index) / 1000;
  p.worker = "w1";
  p.model = "fashion-mnist@" + std::to_string(1 + index % 2);
  if (index % 7 == 0) {
    p.label = -1;
    p.error = "truncated JPEG";
  }
  return p;
}

const journal_header header{"nightly", 50, 0x1234abcd, 0x5678};

std::string write_journal(const std::string& name, int rows) {
  auto path = journal_path(test::fresh_dir(name).string(), "nightly");
  auto journal = job_journal::open(path, header, nullptr);
  REQUIRE(journal);
  for (int i = 0; i < rows; ++i)
    journal->append(row(static_cast<uint64_t>(i)));
  REQUIRE_FALSE(journal->sync());
  return path;
}

} // namespace

TEST_CASE("a journal gives back its header and every synced row", "[unit]") {
  auto path = write_journal("journal-roundtrip", 20);
  auto contents = test::read_whole_journal(path);
  REQUIRE(contents);
  CHECK(contents->header.name == "nightly");
  CHECK(contents->header.total == 50);
  CHECK(contents->header.fingerprint == 0x1234abcd);
  CHECK(contents->header.contents == 0x5678);
  CHECK(contents->ignored_bytes == 0);
  REQUIRE(contents->rows.size() == 20);
  for (uint64_t i = 0; i < 20; ++i) {
    auto& got = contents->rows[i];
    auto want = row(i);
    CHECK(got.index == want.index);
    CHECK(got.path == want.path);
    CHECK(got.label == want.label);
    CHECK(got.class_name == want.class_name);
    CHECK(got.score == want.score);
    CHECK(got.worker == want.worker);
    CHECK(got.error == want.error);
    CHECK(got.model == want.model);
  }
}

TEST_CASE("a torn tail is cut off wherever the crash cut the file, and "
          "appending goes on after the last whole record",
          "[unit]") {
  auto path = write_journal("journal-torn", 3);
  auto whole = test::read_file(path);
  size_t last_rows = 0;
  for (size_t keep = whole.size(); keep-- > 0;) {
    test::write_file(path, {whole.begin(), whole.begin() + keep});
    auto cut = test::read_whole_journal(path);
    if (!cut) {
      // A file without an intact header was cut while it was being made:
      // no result is in it, and it counts as absent (a new job).
      CHECK(cut.error().code() == static_cast<uint8_t>(errc::no_such_file));
      continue;
    }
    INFO("kept " << keep << " of " << whole.size());
    CHECK(cut->valid_bytes + cut->ignored_bytes == keep);
    CHECK(cut->rows.size() <= 3);
    last_rows = cut->rows.size();
    if (keep == whole.size() - 1) {
      // Reopen the file a crash left and go on: the new row follows the
      // last intact one.
      CHECK(cut->rows.size() == 2);
      auto journal = job_journal::open(path, header, &cut->valid_bytes);
      REQUIRE(journal);
      journal->append(row(42));
      REQUIRE_FALSE(journal->sync());
      auto resumed = test::read_whole_journal(path);
      REQUIRE(resumed);
      CHECK(resumed->ignored_bytes == 0);
      REQUIRE(resumed->rows.size() == 3);
      CHECK(resumed->rows[2].index == 42);
      test::write_file(path, {whole.begin(), whole.begin() + keep});
    }
  }
  CHECK(last_rows == 0);
}

TEST_CASE("a damaged record ends the journal there", "[unit]") {
  auto path = write_journal("journal-damaged", 5);
  auto bytes = test::read_file(path);
  bytes[bytes.size() - 3] ^= 0x40; // inside the last record's payload
  test::write_file(path, bytes);
  auto contents = test::read_whole_journal(path);
  REQUIRE(contents);
  CHECK(contents->rows.size() == 4);
  CHECK(contents->ignored_bytes > 0);
}

TEST_CASE("an empty journal counts as absent, and one of another format is "
          "refused with a message, never misread", "[unit]") {
  auto dir = test::fresh_dir("journal-other");
  auto missing = journal_reader::open((dir / "none.journal").string());
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == static_cast<uint8_t>(errc::no_such_file));
  test::write_file(dir / "empty.journal", {});
  auto empty = journal_reader::open((dir / "empty.journal").string());
  REQUIRE_FALSE(empty);
  CHECK(empty.error().code() == static_cast<uint8_t>(errc::no_such_file));
  // Format 1 (the first wave's): an intact record with no kind or magic.
  auto old_path = (dir / "old.journal").string();
  {
    auto journal = job_journal::open(old_path, header, nullptr);
    REQUIRE(journal);
  }
  auto bytes = test::read_file(old_path);
  bytes.erase(bytes.begin() + 8, bytes.begin() + 9 + 14 + 4); // kind, magic, format
  uint32_t length = static_cast<uint32_t>(bytes.size() - 8);
  auto crc = static_cast<uint32_t>(
    ::crc32(0, reinterpret_cast<const Bytef*>(bytes.data() + 8), length));
  for (int i = 0; i < 4; ++i) {
    bytes[static_cast<size_t>(i)] = static_cast<char>(length >> (8 * i));
    bytes[static_cast<size_t>(4 + i)] = static_cast<char>(crc >> (8 * i));
  }
  test::write_file(old_path, bytes);
  auto old = journal_reader::open(old_path);
  REQUIRE_FALSE(old);
  CHECK_THAT(describe(old.error()),
             Catch::Contains("is not a fovea job journal of format 5")
               && Catch::Contains("remove the file to run the job afresh"));
}

TEST_CASE("a journal records each model once, before its first row, and "
          "a retired journal is gone", "[unit]") {
  auto path = journal_path(test::fresh_dir("journal-models").string(), "m");
  {
    auto journal = job_journal::open(path, header, nullptr);
    REQUIRE(journal);
    journal->append(row(1), std::string(64, 'a'));
    journal->append(row(2), std::string(64, 'a'));
    journal->append(row(3), std::string(64, 'b'));
    REQUIRE_FALSE(journal->sync());
  }
  auto dump = test::read_whole_journal(path);
  REQUIRE(dump);
  CHECK(dump->rows.size() == 3);
  CHECK(dump->models
        == std::vector<std::string>{std::string(64, 'a'),
                                    std::string(64, 'b')});
  REQUIRE_FALSE(retire_journal(path));
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("an oversized record is refused when written", "[unit]") {
  auto path = journal_path(test::fresh_dir("journal-huge").string(), "h");
  auto journal = job_journal::open(path, header, nullptr);
  REQUIRE(journal);
  auto huge = row(1);
  huge.error = std::string(2u << 20, 'x');
  journal->append(huge);
  auto err = journal->sync();
  REQUIRE(err);
  CHECK_THAT(describe(err), Catch::Contains("is over 1048576 bytes"));
  auto dump = test::read_whole_journal(path);
  REQUIRE(dump);
  CHECK(dump->rows.empty());
}

TEST_CASE("a second coordinator cannot take a journal directory in use",
          "[unit]") {
  auto dir = test::fresh_dir("journal-lock").string();
  auto first = journal_dir_lock::acquire(dir);
  REQUIRE(first);
  auto second = journal_dir_lock::acquire(dir);
  REQUIRE_FALSE(second);
  CHECK_THAT(describe(second.error()),
             Catch::Contains(dir + " is in use by another coordinator (pid "
                             + std::to_string(::getpid()) + ")"));
}

TEST_CASE("a journal that cannot grow reports it, naming the file",
          "[unit]") {
  auto path = journal_path(test::fresh_dir("journal-full").string(), "full");
  caf::error failure;
  {
    test::file_size_limit full_disk{2000};
    REQUIRE(full_disk.applied());
    auto journal = job_journal::open(path, header, nullptr);
    REQUIRE(journal);
    for (uint64_t i = 0; i < 200 && !failure; ++i) {
      journal->append(row(i));
      failure = journal->sync();
    }
    // After a failure nothing more is written, not even by the destructor.
    CHECK(journal->sync());
  }
  REQUIRE(failure);
  CHECK(describe(failure).find("cannot write journal " + path)
        != std::string::npos);
  CHECK(std::filesystem::file_size(path) <= 2000);
}

TEST_CASE("job names that would make odd file names are refused", "[unit]") {
  CHECK(valid_job_name("nightly-2026.11_24"));
  CHECK_FALSE(valid_job_name(""));
  CHECK_FALSE(valid_job_name(".hidden"));
  CHECK_FALSE(valid_job_name("../etc/passwd"));
  CHECK_FALSE(valid_job_name("a b"));
  CHECK_FALSE(valid_job_name(std::string(101, 'a')));
}

TEST_CASE("a journal row keeps its object's version, and is read again "
          "where it lies", "[unit]") {
  auto path = journal_path(test::fresh_dir("journal-at").string(), "at");
  {
    auto journal = job_journal::open(path, header, nullptr);
    REQUIRE(journal);
    for (uint64_t i = 0; i < 20; ++i) {
      auto r = row(i);
      if (i % 2 == 0)
        r.source_version = "\"etag-" + std::to_string(i) + "\"";
      journal->append(r, std::string(64, 'a'));
    }
    REQUIRE_FALSE(journal->sync());
  }
  auto reader = journal_reader::open(path);
  REQUIRE(reader);
  std::vector<prediction> rows;
  std::vector<uint64_t> offsets;
  REQUIRE(reader->next(rows, 7, &offsets));
  REQUIRE(rows.size() == 7);
  REQUIRE(offsets.size() == 7);
  CHECK(rows[4].source_version == "\"etag-4\"");
  CHECK(rows[5].source_version.empty());
  // Read back out of order, after the reader has moved on.
  REQUIRE(reader->next(rows, 100, nullptr));
  prediction again;
  REQUIRE(reader->row_at(offsets[4], again));
  CHECK(again.index == 4);
  CHECK(again.label == 4);
  CHECK(again.source_version == "\"etag-4\"");
  REQUIRE(reader->row_at(offsets[1], again));
  CHECK(again.index == 1);
  // Where no row record starts: the header, the middle of a record, the end.
  CHECK_FALSE(reader->row_at(0, again));
  CHECK_FALSE(reader->row_at(offsets[4] + 3, again));
  CHECK_FALSE(reader->row_at(reader->valid_bytes(), again));
}

TEST_CASE("a journal of format 4 (an earlier release's) is read, its rows "
          "without versions; a newer format is refused", "[unit]") {
  using namespace journal_detail;
  auto dir = test::fresh_dir("journal-format4");
  auto write = [&](const std::string& name, uint32_t format) {
    std::string body{magic};
    put_u32(body, format);
    body += archived(header);
    std::vector<uint8_t> bytes;
    REQUIRE(frame(bytes, header_record, body));
    for (uint64_t i = 0; i < 3; ++i)
      REQUIRE(frame(bytes, row_record, archived(row(i)))); // format 4's rows
    auto path = (dir / name).string();
    test::write_file(path, bytes);
    return path;
  };
  auto old = test::read_whole_journal(write("four.journal", 4));
  REQUIRE(old);
  REQUIRE(old->rows.size() == 3);
  CHECK(old->rows[2].path == "images/2.png");
  CHECK(old->rows[2].label == 2);
  CHECK(old->rows[2].source_version.empty());
  CHECK(old->ignored_bytes == 0);
  auto newer = journal_reader::open(write("six.journal", 6));
  REQUIRE_FALSE(newer);
  CHECK_THAT(describe(newer.error()),
             Catch::Contains("is a job journal of format 6")
               && Catch::Contains("reads formats 4 to 5"));
}
