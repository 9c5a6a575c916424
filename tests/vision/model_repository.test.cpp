// A worker's model folders: one folder, or a NAME/VERSION/ repository whose
// paths must agree with each model.ini.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "messages/errors.hpp"
#include "tests/support/images.hpp"
#include "vision/model_repository.hpp"

using namespace fovea;
namespace fs = std::filesystem;

namespace {

const fs::path shipped =
    fs::path{FOVEA_SOURCE_DIR} / "models" / "fashion-mnist" / "1";

// A version folder holding the shipped model.ini relabelled `name@version`
// (model_folders reads model.ini only).
void add_version(const fs::path& repository, const std::string& folder_name,
                 const std::string& folder_version, const std::string& name,
                 const std::string& version) {
  auto dir = repository / folder_name / folder_version;
  fs::create_directories(dir);
  std::ifstream in{shipped / "model.ini"};
  std::ostringstream text;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("name = ", 0) == 0)
      line = "name = \"" + name + "\"";
    else if (line.rfind("version = ", 0) == 0)
      line = "version = \"" + version + "\"";
    text << line << "\n";
  }
  std::ofstream{dir / "model.ini"} << text.str();
}

std::string error_of(const fs::path& dir) {
  auto found = model_folders(dir);
  REQUIRE_FALSE(found);
  CHECK(found.error().code() == static_cast<uint8_t>(errc::bad_model));
  return describe(found.error());
}

} // namespace

TEST_CASE("a model folder is served alone, a repository by name then version",
          "[unit][models]") {
  auto one = model_folders(shipped);
  REQUIRE(one);
  CHECK(*one == std::vector<fs::path>{shipped});

  auto repository = test::fresh_dir("model-repository");
  add_version(repository, "shoes", "7", "shoes", "7");
  add_version(repository, "fashion-mnist", "10", "fashion-mnist", "10");
  add_version(repository, "fashion-mnist", "2", "fashion-mnist", "2");
  add_version(repository, "fashion-mnist", "1", "fashion-mnist", "1");
  std::ofstream{repository / "README"} << "not a model\n";
  auto found = model_folders(repository);
  REQUIRE(found);
  CHECK(*found == std::vector<fs::path>{repository / "fashion-mnist" / "1",
                                        repository / "fashion-mnist" / "2",
                                        repository / "fashion-mnist" / "10",
                                        repository / "shoes" / "7"});
}

TEST_CASE("a repository's versions may be links to model folders elsewhere",
          "[unit][models]") {
  auto repository = test::fresh_dir("model-repository-links");
  fs::create_directories(repository / "fashion-mnist");
  fs::create_directory_symlink(shipped, repository / "fashion-mnist" / "1");
  auto found = model_folders(repository);
  REQUIRE(found);
  CHECK(*found == std::vector<fs::path>{repository / "fashion-mnist" / "1"});
  // A link under another version than its model.ini says is refused.
  fs::create_directory_symlink(shipped, repository / "fashion-mnist" / "4");
  CHECK_THAT(error_of(repository),
             Catch::Contains("its model.ini says fashion-mnist@1, its folder "
                             "fashion-mnist@4"));
}

TEST_CASE("a repository folder that disagrees with its model.ini, or is no "
          "version, is refused by name",
          "[unit][models]") {
  auto repository = test::fresh_dir("model-repository-bad");
  add_version(repository, "fashion-mnist", "1", "fashion-mnist", "1");
  SECTION("another version") {
    add_version(repository, "fashion-mnist", "3", "fashion-mnist", "2");
    CHECK_THAT(error_of(repository),
               Catch::Contains("fashion-mnist/3: its model.ini says "
                               "fashion-mnist@2, its folder fashion-mnist@3"));
  }
  SECTION("another name") {
    add_version(repository, "shoes", "1", "fashion-mnist", "1");
    CHECK_THAT(error_of(repository),
               Catch::Contains("its model.ini says fashion-mnist@1, its "
                               "folder shoes@1"));
  }
  SECTION("a version folder that is no number") {
    add_version(repository, "fashion-mnist", "latest", "fashion-mnist", "4");
    CHECK_THAT(error_of(repository),
               Catch::Contains("fashion-mnist/latest: a version folder is "
                               "named by a whole number"));
  }
}

TEST_CASE("an empty or missing model folder is refused", "[unit][models]") {
  auto empty = test::fresh_dir("model-repository-empty");
  CHECK_THAT(error_of(empty),
             Catch::Contains("no NAME/VERSION/ model folders"));
  CHECK_THAT(error_of(empty / "missing"), Catch::Contains("not found"));
}
