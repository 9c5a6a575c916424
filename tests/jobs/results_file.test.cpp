// The results and truth formats, owned by jobs/results_file: whatever a path
// holds, every writer and reader agrees on it.
#include <catch2/catch.hpp>

#include <fstream>

#include "jobs/evaluation.hpp"
#include "jobs/results_file.hpp"
#include "jobs/results_reader.hpp"
#include "jobs/results_writer.hpp"
#include "messages/errors.hpp"
#include "tests/support/images.hpp"

using namespace fovea;

namespace {

prediction row_for(uint64_t index, std::string path, int label) {
  prediction row;
  row.index = index;
  row.path = std::move(path);
  row.label = label;
  row.class_name = label == 0 ? "cat, grey" : "dog \"rex\"";
  row.score = 0.75f;
  row.worker = "w1";
  row.model = "pets@1";
  return row;
}

} // namespace

TEST_CASE("paths with commas, quotes and line breaks survive the results "
          "writer, both orders, every reader and the truth file",
          "[unit]") {
  auto input_order = GENERATE(false, true);
  auto dir = test::fresh_dir("results-format");
  std::vector<std::string> paths{(dir / "out,dir/a.png").string(),
                                 (dir / "say \"hi\".png").string(),
                                 (dir / "two\nlines.png").string(),
                                 (dir / "plain.png").string()};
  auto out = (dir / "results.csv").string();
  auto writer = results_writer::open(out, paths.size(), 0, input_order);
  REQUIRE(writer);
  // Arrival order differs from input order.
  for (uint64_t i : {2u, 0u, 3u, 1u})
    REQUIRE(writer->write(row_for(i, paths[i], int(i % 2))));
  REQUIRE_FALSE(writer->commit());

  std::vector<results_row> rows;
  auto read = read_results(out, [&](results_row& row) {
    rows.push_back(row);
    return caf::error{};
  });
  INFO(describe(read));
  REQUIRE_FALSE(read);
  REQUIRE(rows.size() == paths.size());
  for (size_t n = 0; n < rows.size(); ++n) {
    auto i = input_order ? n : std::vector<size_t>{2, 0, 3, 1}[n];
    CHECK(rows[n].path == paths[i]);
    CHECK(rows[n].label == int(i % 2));
    CHECK(rows[n].class_name == (i % 2 == 0 ? "cat, grey" : "dog \"rex\""));
    CHECK(rows[n].score == "0.750000");
    CHECK(rows[n].model == "pets@1");
  }
  auto counts = count_results(out);
  REQUIRE(counts);
  CHECK(counts->rows == 4);
  CHECK(counts->by_model["pets@1"] == 4);

  auto truth = (dir / "truth,file.csv").string();
  {
    std::ofstream file{truth};
    file << truth_header();
    for (size_t i = 0; i < paths.size(); ++i)
      file << truth_row(paths[i], i == 3 ? 0 : int(i % 2)); // 3 is wrong
  }
  auto eval = evaluate(out, truth);
  INFO((eval ? "" : describe(eval.error())));
  REQUIRE(eval);
  CHECK(eval->scored == 4);
  CHECK(eval->correct == 3);
  CHECK(eval->untruthed == 0);
}

TEST_CASE("a results or truth file that is not fovea's is refused, naming "
          "the file and the row",
          "[unit]") {
  auto dir = test::fresh_dir("results-format-bad");
  auto file = (dir / "x.csv").string();
  auto [text, expected] = GENERATE(table<std::string, std::string>({
    {"", "is not a fovea results file"},
    {"path,label,class\n", "is not a fovea results file"},
    {"path,label,class,score,worker,error,model\na.png,1,c,0.5,w,,m\n"
     "b.png,2,c,0.5,w\n",
     ": row 2 has 5 fields, not 7"},
    {"path,label,class,score,worker,error,model\na.png,one,c,0.5,w,,m\n",
     ": row 1: label one is not a whole number"},
  }));
  std::ofstream{file} << text;
  auto err = read_results(file, [](results_row&) { return caf::error{}; });
  CHECK_THAT(describe(err), Catch::Contains(file)
                              && Catch::Contains(expected));
  CHECK_THAT(describe(read_results((dir / "none.csv").string(),
                                   [](results_row&) { return caf::error{}; })),
             Catch::Contains("cannot read results"));

  auto [truth_text, truth_expected] = GENERATE(table<std::string, std::string>({
    {"label,path\n",
     ": not a truth file (its first line must be path,label)"},
    {"path,label\na.png,1\nb.png,-1\n", ":3: expected PATH,LABEL"},
    {"path,label\n\"a,b.png\",1,2\n", ":2: expected PATH,LABEL"},
  }));
  std::ofstream{file} << truth_text;
  auto truth_err = read_truth(file, [](std::string&, int) {});
  CHECK_THAT(describe(truth_err), Catch::Contains(file + truth_expected));
  // What is checked before a job starts is the same header check.
  auto header_ok = truth_text.rfind("path,label\n", 0) == 0;
  CHECK(truth_file_problem(file).empty() == header_ok);
  CHECK(truth_file_problem((dir / "none.csv").string()) == "cannot read it");
}
