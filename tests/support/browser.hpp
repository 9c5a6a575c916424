// A real browser for the status page's tests: Debian's chromium, headless,
// driven by playwright-core through tests/tools/status_page_browser.js
// (its header lists the commands). One browser per object; each call sends
// one command and waits for its reply.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/process.hpp"

namespace fovea::test {

/// Why a browser cannot run here ("" if it can): no /usr/bin/chromium, no
/// node, or no playwright-core in tests/tools (scripts/install-deps
/// installs all three).
std::string browser_missing();

/// BUILD/test-artifacts/NAME (the folder made if need be): where the
/// browser tests keep their screenshots, which CI keeps as artifacts.
std::string artifact_path(const std::string& name);

class browser {
public:
  /// Starts chromium. `resolve` (NAME=IP) maps a host name for connections
  /// with a client certificate; `ca` is added to the CAs Node trusts for
  /// them. REQUIREs that the browser started.
  explicit browser(const std::string& resolve = {}, const std::string& ca = {});

  /// Sends `command` and returns its reply (REQUIREs one within `timeout`
  /// and without "error").
  nlohmann::json call(nlohmann::json command,
                      std::chrono::seconds timeout = std::chrono::seconds(60));

  /// What the driver printed so far (for INFO on a failure).
  std::string output() const;

private:
  std::unique_ptr<child_process> driver_;
  int sent_ = 0;
};

} // namespace fovea::test
