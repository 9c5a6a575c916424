// An S3-compatible object store for integration tests, on loopback:
// tests/tools/object_store.js (s3rver behind a front that verifies each
// request's SigV4 signature), installed by scripts/install-deps from
// tests/tools/package-lock.json.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.hpp"

namespace fovea::test {

/// The store's access key and secret (any others are refused, 403).
constexpr const char* store_access_key = "fovea-test";
constexpr const char* store_secret_key = "fovea-test-secret";

/// Why the store cannot run here (no node, tools not installed), or "".
std::string object_store_missing();

class object_store {
public:
  /// Starts the store with its objects in `data`, bucket `bucket`; first
  /// uploads every file of `upload` (if not empty) under `prefix`. With
  /// `page_size`, a listing's pages hold at most that many keys (S3's
  /// 1,000 otherwise).
  object_store(std::filesystem::path data, std::string bucket,
               std::filesystem::path upload = {}, std::string prefix = {},
               unsigned page_size = 0);

  /// True once it printed its ready line.
  bool ready() const noexcept { return port_ != 0; }
  /// http://127.0.0.1:PORT
  std::string endpoint() const;

  /// Stops it (SIGKILL: a store that vanishes), keeping its data.
  void stop();
  /// Starts it again on the same port with the same data.
  bool start_again();

private:
  bool start(std::vector<std::string> extra);

  std::filesystem::path data_;
  std::string bucket_;
  unsigned page_size_ = 0;
  uint16_t port_ = 0;
  std::unique_ptr<child_process> process_;
};

/// An AWS credentials file (mode 0600) in `dir` with `access` and
/// `secret`; returns its path.
std::string write_credentials(const std::filesystem::path& dir,
                              const std::string& access = store_access_key,
                              const std::string& secret = store_secret_key);

} // namespace fovea::test
