// What a newcomer meets first: each command's --help, `fovea help KEY`, the
// flags and settings declared once (jobs/job_flags, app/settings_schema)
// and the docs that describe them, and arguments checked before anything
// starts.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <regex>
#include <set>

#include "app/command_line.hpp"
#include "app/job_runner.hpp"
#include "app/settings_schema.hpp"
#include "jobs/job_flags.hpp"
#include "vision/manifest_keys.hpp"
#include "tests/support/csv.hpp"
#include "tests/support/images.hpp"
#include "tests/support/process.hpp"

using namespace fovea;
namespace fs = std::filesystem;

namespace {

// A classify that exits 2 saying `complaint`, with no results file, whole
// or partial, at `out`.
void check_refused(int code, const std::string& output, const fs::path& out,
                   const std::string& complaint) {
  CHECK(code == 2);
  CHECK(output.find(complaint) != std::string::npos);
  CHECK_FALSE(fs::exists(out));
  CHECK_FALSE(fs::exists(out.string() + ".partial"));
}

} // namespace

TEST_CASE("each job command takes exactly the flags its usage and help "
          "name, from their one declaration",
          "[unit]") {
  auto [command, name] = GENERATE(table<job_command, std::string>(
    {{job_command::submit, "submit"},
     {job_command::classify, "classify"},
     {job_command::shell_submit, "shell submit"}}));
  INFO(name);
  auto spec = job_flag_spec(command);
  auto usage = job_usage(command);
  auto help = job_help(command);
  for (auto& flag : job_flags_of(command)) {
    auto written = "--" + std::string{flag.name};
    INFO(written);
    CHECK(usage.find(written) != std::string::npos);
    CHECK(help.find(written) != std::string::npos);
    std::vector<std::string> args{"in.png", written};
    if (!flag.value.empty())
      args.push_back("x");
    CHECK(split_command_line(args, spec).error == "");
  }
  // --list-skipped once worked in submit and classify only, in no usage.
  CHECK(usage.find("--list-skipped") != std::string::npos);
  CHECK(split_command_line({"in.png", "--list-skipped"}, spec).error == "");
  CHECK(split_command_line({"in.png", "--no-such-flag", "x"}, spec).error
        != "");
}

TEST_CASE("fovea COMMAND --help explains it and exits 0, and fovea help "
          "KEY "
          "explains a setting and suggests one for a typo",
          "[integration]") {
  for (auto command : {"submit", "classify"}) {
    auto [code, output] = test::run_fovea({command, "--help"});
    INFO(output);
    CHECK(code == 0);
    CHECK(output.find(std::string{"usage: fovea "} + command) == 0);
    CHECK(output.find("--list-skipped") != std::string::npos);
  }
  // Every other command has help of its own too, not CAF's option dump.
  for (auto command : {"node", "shell", "run", "certs", "dataset"}) {
    for (auto flag : {"--help", "-h"}) {
      auto [code, output] = test::run_fovea({command, flag});
      INFO(command << " " << flag << ":\n" << output);
      CHECK(code == 0);
      CHECK(output.find(std::string{"usage: fovea "} + command) == 0);
    }
    CHECK(test::run_fovea({"help", command}).first == 0);
  }
  auto [code, output] = test::run_fovea({"help", "slots"});
  CHECK(code == 0);
  CHECK(output.find("fovea.slots = 128 (the default)") == 0);
  CHECK(output.find("from 1 to 256") != std::string::npos);
  auto typo = test::run_fovea({"help", "max-queued-byte"});
  CHECK(typo.first == 2);
  CHECK(typo.second.find("did you mean fovea.max-queued-bytes?")
        != std::string::npos);
  auto all = test::run_fovea({"help", "settings"});
  CHECK(all.first == 0);
  for (auto& s : settings_schema())
    CHECK(all.second.find("fovea." + std::string{s.key} + " = ")
          != std::string::npos);
}

TEST_CASE("the configuration reference in docs/ lists every setting, and "
          "only those",
          "[unit]") {
  std::ifstream doc{std::string{FOVEA_SOURCE_DIR} + "/docs/configuration.md"};
  REQUIRE(doc);
  std::set<std::string> documented;
  static const std::regex key{R"(`fovea\.([a-z0-9-]+)`)"};
  for (std::string line; std::getline(doc, line);) {
    if (line.rfind("| `fovea.", 0) != 0)
      continue;
    // The key column: one key, or several that share a row.
    auto column = line.substr(0, line.find(" | ", 2));
    for (std::sregex_iterator it{column.begin(), column.end(), key}, end;
         it != end; ++it)
      documented.insert((*it)[1]);
  }
  std::set<std::string> declared;
  for (auto& s : settings_schema())
    declared.insert(std::string{s.key});
  CHECK(documented == declared);
}

TEST_CASE("the model.ini example in docs/ shows every model.ini key, and "
          "only those, as fovea help model.ini does",
          "[unit]") {
  std::ifstream doc{std::string{FOVEA_SOURCE_DIR} + "/docs/models.md"};
  REQUIRE(doc);
  // The first ```ini block: [section] lines, and "key = " lines (a key
  // that is commented out is still shown).
  static const std::regex section_line{R"(^\[([a-z]+)\])"};
  static const std::regex key_line{R"(^;? ?([a-z0-9-]+) = )"};
  std::set<std::string> documented;
  bool inside = false;
  std::string section;
  for (std::string line; std::getline(doc, line);) {
    if (line.rfind("```", 0) == 0) {
      if (inside)
        break;
      inside = line == "```ini";
      continue;
    }
    std::smatch match;
    if (!inside)
      continue;
    if (std::regex_search(line, match, section_line))
      section = match[1];
    else if (std::regex_search(line, match, key_line))
      documented.insert(section + "." + std::string{match[1]});
  }
  std::set<std::string> declared;
  for (auto& entry : manifest_keys())
    declared.insert(std::string{entry.section} + "." + std::string{entry.key});
  CHECK(documented == declared);
  auto [code, help] = test::run_fovea({"help", "model.ini"});
  CHECK(code == 0);
  for (auto& entry : manifest_keys())
    CHECK(help.find("  " + std::string{entry.key} + " ") != std::string::npos);
}

TEST_CASE("a --truth file that cannot be read is refused before anything "
          "starts",
          "[integration]") {
  auto dir = test::fresh_dir("truth-first");
  test::write_pattern_pngs(dir / "images", 3);
  auto out = dir / "results.csv";
  auto [code, output] = test::run_fovea(
    {"classify", (dir / "images").string(), "--out", out.string(), "--truth",
     (dir / "missing.csv").string()});
  INFO(output);
  check_refused(code, output, out,
                "--truth " + (dir / "missing.csv").string()
                  + ": cannot read it");
}

TEST_CASE("a --model that is no model folder is refused before anything "
          "starts",
          "[integration]") {
  auto dir = test::fresh_dir("model-first");
  test::write_pattern_pngs(dir / "images", 3);
  fs::create_directories(dir / "empty");
  auto out = dir / "results.csv";
  for (auto model : {dir / "missing", dir / "empty"}) {
    auto [code, output] = test::run_fovea(
      {"classify", (dir / "images").string(), "--out", out.string(),
       "--model", model.string()});
    INFO(output);
    check_refused(code, output, out,
                  "fovea classify: --model: bad model: " + model.string());
  }
}

TEST_CASE("a model that LibTorch refuses stops classify's job, which has "
          "begun meanwhile, and leaves no results",
          "[integration]") {
  // The job starts while the models load: this failure comes after it.
  auto dir = test::fresh_dir("model-refused");
  test::write_pattern_pngs(dir / "images", 300);
  fs::copy(test::shipped_model(), dir / "model", fs::copy_options::recursive);
  {
    std::ifstream in{dir / "model" / "model.ini"};
    std::string ini{std::istreambuf_iterator<char>{in}, {}}, kept;
    std::istringstream lines{ini};
    for (std::string line; std::getline(lines, line);)
      if (line.rfind("sha256", 0) != 0) // not pinned: LibTorch reads it
        kept += line + "\n";
    std::ofstream{dir / "model" / "model.ini"} << kept;
    std::ofstream{dir / "model" / "model.pt"} << "not a TorchScript archive";
  }
  auto out = dir / "results.csv";
  auto workers = GENERATE(as<std::string>{}, "1", "3");
  auto [code, output] = test::run_fovea(
    {"classify", (dir / "images").string(), "--out", out.string(), "--model",
     (dir / "model").string(), "--workers", workers});
  INFO(output);
  check_refused(code, output, out,
                "fovea classify: --model: bad model: "
                  + (dir / "model" / "model.pt").string()
                  + ": not a usable TorchScript model");
  CHECK(output.find("images/s") == std::string::npos); // no summary
  CHECK(output.find("job failed") == std::string::npos);
}

TEST_CASE("classify --model takes NAME@VERSION of the model repository, as "
          "submit does, and the images' own truth.csv is not reported "
          "skipped",
          "[integration]") {
  auto dir = test::fresh_dir("classify-by-name");
  auto paths = test::write_pattern_pngs(dir / "images", 4);
  {
    std::ofstream truth{dir / "images" / "truth.csv"};
    truth << "path,label\n";
    for (auto& path : paths)
      truth << path << ",0\n";
  }
  auto out = dir / "results.csv";
  auto [code, output] = test::run_fovea(
    {"classify", (dir / "images").string(), "--out", out.string(), "--model",
     "fashion-mnist@2", "--truth", (dir / "images" / "truth.csv").string(),
     "--workers", "1"});
  INFO(output);
  REQUIRE(code == 0);
  for (auto& row : test::read_results(out).rows)
    CHECK(row.model == "fashion-mnist@2");
  CHECK(output.find("skipped") == std::string::npos);
}
