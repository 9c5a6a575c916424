// A results file read back from the disk: every row counted once, also
// rows whose quoted path holds a comma, a quote or a newline.
#include <catch2/catch.hpp>

#include <fstream>

#include "jobs/results_reader.hpp"
#include "jobs/results_writer.hpp"
#include "messages/errors.hpp"
#include "tests/support/images.hpp"

using namespace fovea;

TEST_CASE("a results file is counted from the disk, odd paths and all",
          "[unit]") {
  auto dir = test::fresh_dir("results-reader");
  auto out = (dir / "r.csv").string();
  auto writer = results_writer::open(out, 4);
  REQUIRE(writer);
  std::vector<std::string> paths{"a.png", "with,comma.png",
                                 "with \"quote\".png", "new\nline.png"};
  for (uint64_t i = 0; i < paths.size(); ++i) {
    prediction row;
    row.index = i;
    row.path = paths[i];
    row.label = 1;
    row.worker = i % 2 ? "w1" : "w2";
    if (i == 3) {
      row.label = -1;
      row.error = "truncated, \"badly\"";
    }
    writer->write(row);
  }
  REQUIRE_FALSE(writer->commit());
  auto counts = count_results(out);
  REQUIRE(counts);
  CHECK(counts->rows == 4);
  CHECK(counts->errors == 1);
  CHECK(counts->by_worker == std::map<std::string, uint64_t>{{"w1", 2},
                                                             {"w2", 2}});
  // A file from before the model column is still read.
  std::ofstream{dir / "six.csv"} << "path,label,class,score,worker,error\n"
                                    "a.png,1,Trouser,0.9,w1,\n";
  auto six = count_results((dir / "six.csv").string());
  REQUIRE(six);
  CHECK(six->rows == 1);
  std::ofstream{dir / "other.csv"} << "a,b\n1,2\n";
  auto other = count_results((dir / "other.csv").string());
  REQUIRE_FALSE(other);
  CHECK_THAT(describe(other.error()), Catch::Contains("not a fovea results"));
}
