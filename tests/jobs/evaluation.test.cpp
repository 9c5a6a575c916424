// Scoring results against the truth: accuracy, per class, and a picture.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "jobs/evaluation.hpp"
#include "messages/errors.hpp"
#include "tests/support/images.hpp"

using namespace fovea;
namespace fs = std::filesystem;

TEST_CASE("results are scored against the truth by path", "[unit]") {
  auto dir = test::fresh_dir("evaluation");
  auto results = (dir / "results.csv").string();
  auto truth = (dir / "truth.csv").string();
  // The model column, and files from before it.
  auto [header, model] = GENERATE(table<std::string, std::string>(
    {{",model", ",cats@2"}, {"", ""}}));
  std::ofstream{results} << "path,label,class,score,worker,error" << header
                         << "\na.png,0,cat,0.9,w1," << model
                         << "\nb.png,1,dog,0.8,w2," << model
                         << "\nc.png,1,dog,0.7,w1," << model
                         << "\nd.png,-1,,0,,bad image: empty file" << model
                         << "\n./e.png,0,cat,0.6,w2," << model
                         << "\nstray.png,0,cat,0.5,w1," << model << "\n";
  std::ofstream{truth} << "path,label\n"
                       << "a.png,0\nb.png,1\nc.png,0\nd.png,1\ne.png,0\n";
  auto eval = evaluate(results, truth);
  INFO((eval ? "" : describe(eval.error())));
  REQUIRE(eval);
  CHECK(eval->scored == 5);
  CHECK(eval->correct == 3);
  CHECK(eval->errors == 1);
  CHECK(eval->untruthed == 1);
  CHECK(eval->accuracy() == Approx(0.6));
  CHECK(eval->class_names == std::vector<std::string>{"cat", "dog"});
  CHECK(eval->confusion[0][0] == 2); // a, e
  CHECK(eval->confusion[0][1] == 1); // c
  CHECK(eval->confusion[1][1] == 1); // b
  CHECK(eval->class_accuracy(0) == Approx(2.0 / 3));
  CHECK(eval->class_accuracy(1) == Approx(0.5)); // d was an error
  auto report = format_report(*eval);
  CHECK(report.find("accuracy 0.6000 (3 of 5 correct, 1 errors") == 0);
  auto picture = (dir / "confusion.png").string();
  REQUIRE_FALSE(write_confusion_png(*eval, picture));
  CHECK(fs::file_size(picture) > 1000);
}

TEST_CASE("a malformed truth file is refused with file and line", "[unit]") {
  auto dir = test::fresh_dir("bad-truth");
  auto results = (dir / "results.csv").string();
  auto truth = (dir / "truth.csv").string();
  std::ofstream{results} << "path,label,class,score,worker,error\n";
  std::ofstream{truth} << "path,label\na.png,cat\n";
  auto eval = evaluate(results, truth);
  REQUIRE_FALSE(eval);
  CHECK(describe(eval.error()).find(truth + ":2: expected PATH,LABEL")
        != std::string::npos);
}
