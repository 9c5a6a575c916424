// The results file: one row per input, exactly once, and never presented as
// complete while rows are missing.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "jobs/results_reader.hpp"
#include "jobs/results_writer.hpp"
#include "messages/errors.hpp"
#include "tests/support/file_size_limit.hpp"
#include "tests/support/csv.hpp"
#include "tests/support/images.hpp"

using namespace fovea;
namespace fs = std::filesystem;

namespace {


prediction row(uint64_t index, std::string path, std::string error = {}) {
  prediction p;
  p.index = index;
  p.path = std::move(path);
  p.worker = "w1";
  p.model = "fashion-mnist@1";
  if (error.empty()) {
    p.label = 2;
    p.class_name = "Pullover";
    p.score = 0.5f;
  } else {
    p.error = std::move(error);
  }
  return p;
}

} // namespace

TEST_CASE("the results file has the header and one row per input",
          "[unit]") {
  auto out = test::fresh_dir("writer") / "results.csv";
  auto writer = results_writer::open(out.string(), 2);
  REQUIRE(writer);
  CHECK(writer->write(row(1, "b.png", "bad image: empty file")));
  CHECK(writer->write(row(0, "a,comma \"quoted\".png")));
  CHECK_FALSE(fs::exists(out)); // only the .partial file so far
  REQUIRE_FALSE(writer->commit());
  CHECK(test::file_text(out)
        == "path,label,class,score,worker,error,model\n"
           "b.png,-1,,0.000000,w1,bad image: empty file,fashion-mnist@1\n"
           "\"a,comma \"\"quoted\"\".png\",2,Pullover,0.500000,w1,,"
           "fashion-mnist@1\n");
  CHECK_FALSE(fs::exists(out.string() + ".partial"));
  CHECK(writer->errors() == 1);
}

TEST_CASE("a job that ranks classes gets a top_k column of label:score "
          "pairs",
          "[unit]") {
  auto out = test::fresh_dir("writer-top-k") / "results.csv";
  auto writer = results_writer::open(out.string(), 2, 3);
  REQUIRE(writer);
  auto ranked = row(0, "a.png");
  ranked.top_labels = {2, 6, 0};
  ranked.top_scores = {0.5f, 0.25f, 0.125f};
  CHECK(writer->write(ranked));
  CHECK(writer->write(row(1, "b.png", "bad image: empty file")));
  REQUIRE_FALSE(writer->commit());
  CHECK(test::file_text(out)
        == "path,label,class,score,worker,error,model,top_k\n"
           "a.png,2,Pullover,0.500000,w1,,fashion-mnist@1,"
           "2:0.500000 6:0.250000 0:0.125000\n"
           "b.png,-1,,0.000000,w1,bad image: empty file,fashion-mnist@1,\n");
  auto counts = count_results(out.string());
  REQUIRE(counts);
  CHECK(counts->rows == 2);
  CHECK(counts->errors == 1);
}

TEST_CASE("a second row for the same input is refused", "[unit]") {
  auto out = test::fresh_dir("writer-dup") / "results.csv";
  auto writer = results_writer::open(out.string(), 2);
  REQUIRE(writer);
  CHECK(writer->write(row(0, "a.png")));
  CHECK_FALSE(writer->write(row(0, "a.png")));
  CHECK_FALSE(writer->write(row(7, "outside.png")));
  CHECK(writer->written() == 1);
}

TEST_CASE("an incomplete job is never renamed into place", "[unit]") {
  auto out = test::fresh_dir("writer-partial") / "results.csv";
  auto writer = results_writer::open(out.string(), 3);
  REQUIRE(writer);
  writer->write(row(0, "a.png"));
  auto err = writer->commit();
  REQUIRE(err);
  CHECK(caf::to_string(err).find("2 inputs have no row yet")
        != std::string::npos);
  CHECK_FALSE(fs::exists(out));
  CHECK(fs::exists(out.string() + ".partial"));
}

TEST_CASE("a results file that cannot be created says where", "[unit]") {
  auto writer = results_writer::open("/nonexistent/dir/results.csv", 1);
  REQUIRE_FALSE(writer);
  CHECK(caf::to_string(writer.error()).find("/nonexistent/dir/results.csv")
        != std::string::npos);
}

TEST_CASE("a results file that cannot grow says so at once and is never "
          "presented as complete",
          "[unit]") {
  auto dir = test::fresh_dir("results-full");
  auto out = (dir / "results.csv").string();
  caf::error failure;
  {
    test::file_size_limit full_disk{4096};
    REQUIRE(full_disk.applied());
    auto writer = results_writer::open(out, 1000);
    REQUIRE(writer);
    uint64_t i = 0;
    for (; i < 1000 && !writer->failure(); ++i)
      writer->write(row(i, "images/" + std::to_string(i) + ".png"));
    CHECK(i < 1000); // noticed while writing, not at the end
    for (; i < 1000; ++i)
      writer->write(row(i, "images/" + std::to_string(i) + ".png"));
    failure = writer->commit();
  }
  REQUIRE(failure);
  CHECK(describe(failure).find(out + ".partial: cannot write results: File "
                               "too large")
        != std::string::npos);
  CHECK_FALSE(fs::exists(out));
}

TEST_CASE("in input order the rows come out by input index, whatever order "
          "they arrived in",
          "[unit]") {
  auto out = test::fresh_dir("writer-ordered") / "results.csv";
  auto writer = results_writer::open(out.string(), 3, 0, true);
  REQUIRE(writer);
  CHECK(writer->write(row(2, "c.png")));
  CHECK(writer->write(row(0, "line\nbreak.png")));
  CHECK(writer->write(row(1, "b.png", "bad image: empty file")));
  REQUIRE_FALSE(writer->commit());
  CHECK(test::file_text(out)
        == "path,label,class,score,worker,error,model\n"
           "\"line\nbreak.png\",2,Pullover,0.500000,w1,,fashion-mnist@1\n"
           "b.png,-1,,0.000000,w1,bad image: empty file,fashion-mnist@1\n"
           "c.png,2,Pullover,0.500000,w1,,fashion-mnist@1\n");
  CHECK_FALSE(fs::exists(out.string() + ".partial"));
  CHECK_FALSE(fs::exists(out.string() + ".ordered"));
  auto counts = count_results(out.string());
  REQUIRE(counts);
  CHECK(counts->rows == 3);
}
