#include "tests/support/browser.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

#include <sys/stat.h>

namespace fovea::test {

namespace {

std::string driver_script() {
  return source_dir() + "/tests/tools/status_page_browser.js";
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

} // namespace

std::string browser_missing() {
  if (!exists("/usr/bin/chromium"))
    return "no /usr/bin/chromium (scripts/install-deps installs Debian's "
           "chromium)";
  if (!exists("/usr/bin/node"))
    return "no /usr/bin/node (scripts/install-deps installs nodejs)";
  if (!exists(source_dir() + "/tests/tools/node_modules/playwright-core"))
    return "tests/tools has no playwright-core (scripts/install-deps runs "
           "npm ci there)";
  return {};
}

std::string artifact_path(const std::string& name) {
  std::filesystem::path dir{FOVEA_ARTIFACT_DIR};
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

browser::browser(const std::string& resolve, const std::string& ca) {
  std::vector<std::string> args{driver_script()};
  if (!resolve.empty())
    args.insert(args.end(), {"--resolve", resolve});
  std::vector<std::string> environment;
  if (!ca.empty())
    environment.push_back("NODE_EXTRA_CA_CERTS=" + ca);
  driver_ = std::make_unique<child_process>(
      std::move(args), other_program{"/usr/bin/node", std::move(environment)});
  auto ready = driver_->wait_for_line("{\"ready\":", std::chrono::seconds(60));
  INFO(driver_->output());
  REQUIRE(ready);
}

nlohmann::json browser::call(nlohmann::json command,
                             std::chrono::seconds timeout) {
  driver_->write_input(command.dump() + "\n");
  auto tag = "{\"reply\":" + std::to_string(++sent_) + ",";
  auto line = driver_->wait_for_line(tag, timeout);
  INFO("command " << command.dump() << "\n" << driver_->output());
  REQUIRE(line);
  auto reply = nlohmann::json::parse(line->substr(line->find(tag)));
  INFO(reply.dump());
  REQUIRE_FALSE(reply.contains("error"));
  return reply;
}

std::string browser::output() const {
  return driver_->output();
}

} // namespace fovea::test
