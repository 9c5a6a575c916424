#include "tests/support/object_store.hpp"

#include <csignal>
#include <fstream>
#include <sys/stat.h>

namespace fovea::test {

namespace {

std::string tools_dir() {
  return source_dir() + "/tests/tools";
}

const char* node_path() {
  return "/usr/bin/node";
}

} // namespace

std::string object_store_missing() {
  struct stat st {};
  if (::stat(node_path(), &st) != 0)
    return "no /usr/bin/node (scripts/install-deps installs nodejs)";
  if (::stat((tools_dir() + "/node_modules/s3rver").c_str(), &st) != 0)
    return "tests/tools has no node_modules (scripts/install-deps runs npm ci "
           "there)";
  return {};
}

object_store::object_store(std::filesystem::path data, std::string bucket,
                           std::filesystem::path upload, std::string prefix,
                           unsigned page_size)
    : data_(std::move(data)), bucket_(std::move(bucket)),
      page_size_(page_size) {
  std::vector<std::string> extra;
  if (!upload.empty())
    extra = {"--upload", upload.string(), "--prefix", prefix};
  start(std::move(extra));
}

bool object_store::start(std::vector<std::string> extra) {
  // s3rver makes its continuation tokens with DES, which Node 20's
  // OpenSSL 3 keeps in its legacy provider.
  std::vector<std::string> args{"--openssl-legacy-provider",
                                tools_dir() + "/object_store.js",
                                "--data",
                                data_.string(),
                                "--bucket",
                                bucket_,
                                "--port",
                                std::to_string(port_),
                                "--access-key",
                                store_access_key,
                                "--secret-key",
                                store_secret_key};
  if (page_size_ != 0)
    extra.insert(extra.end(), {"--page-size", std::to_string(page_size_)});
  args.insert(args.end(), extra.begin(), extra.end());
  process_ = std::make_unique<child_process>(std::move(args),
                                             other_program{node_path(), {}});
  // An upload of 20,000 objects takes about 20 s.
  auto line =
      process_->wait_for_line("fovea-store ready", std::chrono::seconds(120));
  if (!line)
    return false;
  port_ = static_cast<uint16_t>(std::stoi(line->substr(line->rfind(' ') + 1)));
  return true;
}

std::string object_store::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

void object_store::stop() {
  if (process_)
    process_->stop(SIGKILL, std::chrono::seconds(10));
}

bool object_store::start_again() {
  return start({});
}

std::string write_credentials(const std::filesystem::path& dir,
                              const std::string& access,
                              const std::string& secret) {
  auto path = (dir / ("credentials-" + access)).string();
  {
    std::ofstream out{path};
    out << "[default]\naws_access_key_id = " << access
        << "\naws_secret_access_key = " << secret << "\n";
  }
  ::chmod(path.c_str(), 0600);
  return path;
}

} // namespace fovea::test
