// The external merge behind --order input: rows sorted by input index with
// a bounded slice in memory, run files merged in passes and then removed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <sstream>

#include "jobs/row_order.hpp"
#include "messages/errors.hpp"
#include "tests/support/csv.hpp"
#include "tests/support/images.hpp"

using namespace fovea;
namespace fs = std::filesystem;

namespace {


// Row i as the output holds it; every seventh has a quoted line break.
std::string row_text(size_t i) {
  auto path = i % 7 == 0 ? "\"dir/with\nbreak-" + std::to_string(i) + ".png\""
                         : "dir/image-" + std::to_string(i) + ".png";
  return path + ",3,Dress,0.900000,w1,,fashion-mnist@1\n";
}

size_t files_in(const fs::path& dir) {
  return std::distance(fs::directory_iterator{dir}, fs::directory_iterator{});
}

} // namespace

TEST_CASE("rows shuffled across many runs come out in index order, without "
          "the index column, and the run files are gone",
          "[unit]") {
  auto dir = test::fresh_dir("row-order");
  constexpr size_t rows = 5000;
  std::vector<size_t> order(rows);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937{7});
  {
    std::ofstream partial{dir / "in.partial", std::ios::binary};
    partial << "index,path,label,class,score,worker,error,model\n";
    for (auto i : order)
      partial << i << ',' << row_text(i);
  }
  std::string expected = "path,label,class,score,worker,error,model\n";
  for (size_t i = 0; i < rows; ++i)
    expected += row_text(i);
  // A 4 KiB slice makes ~60 runs; a fan-in of 4 merges them in 3 passes.
  auto limits = GENERATE(row_order_limits{4096, 4}, row_order_limits{4096, 64},
                         row_order_limits{});
  CAPTURE(limits.memory_budget, limits.max_fan_in);
  REQUIRE_FALSE(order_rows((dir / "in.partial").string(),
                           (dir / "out.csv").string(), limits));
  CHECK(test::file_text(dir / "out.csv") == expected);
  CHECK(files_in(dir) == 2); // in.partial and out.csv: no run left behind
  fs::remove(dir / "out.csv");
}

TEST_CASE("a partial file with a row that has no index is refused, naming "
          "the file, and leaves no run behind",
          "[unit]") {
  auto dir = test::fresh_dir("row-order-bad");
  {
    std::ofstream partial{dir / "in.partial", std::ios::binary};
    partial << "index,path,label\n";
    for (int i = 0; i < 200; ++i)
      partial << i << ",a.png,1\n";
    partial << "x.png,1\n";
  }
  auto err = order_rows((dir / "in.partial").string(),
                        (dir / "out.csv").string(), {256, 4});
  REQUIRE(err);
  CHECK(err.code() == static_cast<uint8_t>(errc::storage_failed));
  CHECK_THAT(describe(err), Catch::Contains("in.partial") &&
                                Catch::Contains("without an input index"));
  CHECK(files_in(dir) == 2); // in.partial and the unfinished out.csv
}

TEST_CASE("a file without the index header is not taken for a partial file",
          "[unit]") {
  auto dir = test::fresh_dir("row-order-header");
  std::ofstream{dir / "in.partial"} << "path,label\na.png,1\n";
  auto err =
      order_rows((dir / "in.partial").string(), (dir / "out.csv").string());
  REQUIRE(err);
  CHECK_THAT(describe(err), Catch::Contains("no header with an index column"));
}
