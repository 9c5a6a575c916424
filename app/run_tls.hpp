// The certificates of a scripted cluster run (fovea run).
//
// A run uses TLS when its script says `tls DIR` (certificates made before:
// DIR/ca.pem, DIR/NAME.pem and .key for each node it starts, and
// DIR/operator.pem and .key for the runner's own shell), or `tls` alone, or
// starts any node on a host of its own (`--host`, a real network path): the
// last two make a CA and every certificate in RUN_DIR/certs, each node's
// with the role its `start` line gives, the runner's with role operator.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "app/fovea_config.hpp"

namespace fovea {

struct run_tls {
  std::string dir; ///< ca.pem, NAME.pem, NAME.key (and crl.pem, if any)
  bool crl = false;

  /// --fovea.certificate=... --fovea.key=... --fovea.ca=... (--fovea.crl)
  /// for the node `name`.
  std::vector<std::string> flags(const std::string& name) const;

  /// Gives the runner's own config its certificate (role operator).
  void configure_runner(fovea_config& cfg) const;
};

/// Decides from the script's lines (words, variables already replaced)
/// whether the run uses TLS, and makes the certificates it needs. Nothing
/// for a plain run; on a problem, nothing and `problem`.
std::optional<run_tls>
plan_run_tls(const std::vector<std::vector<std::string>>& lines,
             const std::filesystem::path& run_dir, std::string& problem);

} // namespace fovea
