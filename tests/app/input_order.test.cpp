// --order input on real processes: rows come out in the order of the
// inputs (a list's order, not the walk's sort, and a bad file in its
// place), in fovea submit, fovea classify and the shell's submit, where
// --top-k ranks classes as well.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "tests/support/cluster.hpp"
#include "tests/support/csv.hpp"
#include "tests/support/images.hpp"
#include "tests/support/process.hpp"

using namespace fovea;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// A list file naming 200 images in reverse, with a broken file between
// them: the order a user's list gives, which no sort would produce.
std::vector<std::string> write_reversed_list(const fs::path& dir) {
  auto paths = test::write_pattern_pngs(dir / "images", 200);
  std::reverse(paths.begin(), paths.end());
  auto broken = (dir / "images" / "broken.png").string();
  test::write_file(broken, {0x89, 'P', 'N', 'G', 1, 2, 3});
  paths.insert(paths.begin() + 77, broken);
  std::ofstream list{dir / "list.txt"};
  for (auto& path : paths)
    list << path << "\n";
  return paths;
}

void check_in_order(const fs::path& results,
                    const std::vector<std::string>& paths) {
  INFO(results);
  auto file = test::read_results(results);
  REQUIRE(file.rows.size() == paths.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    INFO("row " << i);
    CHECK(file.rows[i].path == paths[i]);
    CHECK(file.rows[i].error.empty() == (i != 77));
  }
}

// Each row's top_k column: 3 entries, led by the row's own label.
void check_top_3(const fs::path& results) {
  auto file = test::read_results(results);
  CHECK(file.header == "path,label,class,score,worker,error,model,top_k");
  for (auto& row : file.rows) {
    if (!row.error.empty())
      continue;
    INFO(row.path << ": " << row.top_k);
    std::istringstream ranking{row.top_k};
    std::vector<std::string> entries;
    for (std::string entry; ranking >> entry;)
      entries.push_back(entry);
    REQUIRE(entries.size() == 3);
    CHECK(entries[0].rfind(std::to_string(row.label) + ":", 0) == 0);
  }
}

} // namespace

TEST_CASE("with --order input the rows follow the order of the inputs in "
          "submit, classify and the shell",
          "[integration][order]") {
  auto dir = test::fresh_dir("input-order");
  auto paths = write_reversed_list(dir);
  auto list = (dir / "list.txt").string();
  test::local_cluster cluster{2};
  for (auto& args : std::vector<std::vector<std::string>>{
           {"submit", "--coordinator", cluster.address, list, "--order",
            "input", "--out", (dir / "submitted.csv").string()},
           {"classify", list, "--workers", "2", "--order", "input", "--out",
            (dir / "classified.csv").string()}}) {
    auto [code, output] = test::run_fovea(args);
    INFO(output);
    REQUIRE(code == 0);
  }
  test::child_process shell{{"shell", cluster.address}};
  auto from_shell = dir / "shell.csv";
  shell.write_input("submit " + list + " --order input --top-k 3 --out " +
                    from_shell.string() + "\nquit\n");
  shell.close_input();
  CHECK(shell.wait_for_exit(120s) == 0);
  INFO(shell.output());
  for (auto& file : {dir / "submitted.csv", dir / "classified.csv", from_shell})
    check_in_order(file, paths);
  check_top_3(from_shell);
  CHECK_FALSE(fs::exists(dir / "submitted.csv.partial"));
  cluster.stop();
}

TEST_CASE("an --order other than input or arrival is refused with exit 2",
          "[integration][order]") {
  auto dir = test::fresh_dir("input-order-bad");
  test::write_pattern_pngs(dir / "images", 2);
  auto [code, output] =
      test::run_fovea({"classify", (dir / "images").string(), "--order",
                       "sorted", "--out", (dir / "out.csv").string()});
  INFO(output);
  CHECK(code == 2);
  CHECK(output.find("--order sorted: not input or arrival") !=
        std::string::npos);
  CHECK_FALSE(fs::exists(dir / "out.csv"));
}
