// The README is the front door and docs/ holds the rest: these tests keep
// the README short and every link between the pages pointing somewhere.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const fs::path source_dir{FOVEA_SOURCE_DIR};

std::string read_text(const fs::path& file) {
  std::ifstream in{file};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// GitHub's anchor for a heading: lower case, punctuation other than '-' and
// '_' dropped, spaces to '-'.
std::string anchor_of(const std::string& heading) {
  std::string anchor;
  for (unsigned char c : heading) {
    if (std::isalnum(c) || c == '-' || c == '_')
      anchor += static_cast<char>(std::tolower(c));
    else if (c == ' ')
      anchor += '-';
  }
  return anchor;
}

std::set<std::string> anchors_in(const fs::path& file) {
  std::set<std::string> anchors;
  std::istringstream lines{read_text(file)};
  bool in_code = false;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("```", 0) == 0)
      in_code = !in_code;
    else if (!in_code && line.rfind("#", 0) == 0)
      anchors.insert(anchor_of(line.substr(line.find_first_not_of('#'))
                                   .substr(1)));
  }
  return anchors;
}

/// Every relative link of `file` whose target (or anchor) does not exist.
std::vector<std::string> broken_links(const fs::path& file) {
  static const std::regex link{R"(\]\(([^)\s]+)\))"};
  std::vector<std::string> broken;
  auto text = read_text(file);
  for (std::sregex_iterator it{text.begin(), text.end(), link}, end;
       it != end; ++it) {
    std::string target = (*it)[1];
    if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0)
      continue;
    auto hash = target.find('#');
    auto path_part = target.substr(0, hash);
    auto linked = path_part.empty() ? file
                                    : file.parent_path() / path_part;
    if (!fs::exists(linked)) {
      broken.push_back(target);
      continue;
    }
    if (hash != std::string::npos
        && !anchors_in(linked).count(target.substr(hash + 1)))
      broken.push_back(target);
  }
  return broken;
}

} // namespace

TEST_CASE("the README is a front door of at most 250 lines", "[unit]") {
  auto text = read_text(source_dir / "README.md");
  auto lines = std::count(text.begin(), text.end(), '\n');
  CHECK(lines > 20);
  CHECK(lines <= 250);
}

TEST_CASE("every link in the README and in docs/ resolves", "[unit]") {
  std::vector<fs::path> pages{source_dir / "README.md"};
  for (auto& entry : fs::directory_iterator{source_dir / "docs"})
    if (entry.path().extension() == ".md")
      pages.push_back(entry.path());
  REQUIRE(pages.size() > 5);
  for (auto& page : pages) {
    INFO(page.string());
    CHECK(broken_links(page).empty());
  }
}

TEST_CASE("a broken link or anchor is found", "[unit]") {
  auto dir = fs::temp_directory_path() / "fovea-docs-links";
  fs::create_directories(dir);
  std::ofstream{dir / "other.md"} << "# Other page\n\n## Its part\n";
  std::ofstream{dir / "page.md"}
    << "[ok](other.md) [ok](other.md#its-part) [bad](missing.md)\n"
       "[bad anchor](other.md#nowhere) [web](https://example.org/x)\n"
       "```\n# not a heading\n```\n[bad](#not-a-heading)\n";
  CHECK(broken_links(dir / "page.md")
        == std::vector<std::string>{"missing.md", "other.md#nowhere",
                                    "#not-a-heading"});
  fs::remove_all(dir);
}
