// A cluster's certificates, made by the test in its own folder (nothing
// secret is committed): a CA and one certificate per name and role, plus
// helpers for the broken files start-up must refuse.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "edge/certificate_authority.hpp"
#include "edge/tls_credentials.hpp"

namespace fovea::test {

struct test_pki {
  std::filesystem::path dir;

  /// Makes DIR/ca.pem and a certificate for each (name, role).
  test_pki(std::filesystem::path dir,
           const std::vector<std::pair<std::string, peer_role>>& nodes,
           validity valid = {});

  /// Issues one more certificate (REQUIREs that it worked).
  void issue(const std::string& name, peer_role role, validity valid = {});

  /// Revokes `name` in DIR/crl.pem.
  void revoke(const std::string& name);

  std::string ca() const { return (dir / "ca.pem").string(); }
  std::string crl() const { return (dir / "crl.pem").string(); }
  std::string cert(const std::string& name) const {
    return (dir / (name + ".pem")).string();
  }
  std::string key(const std::string& name) const {
    return (dir / (name + ".key")).string();
  }

  tls_files files(const std::string& name) const {
    return {cert(name), key(name), ca(), {}};
  }

  /// --fovea.certificate=... --fovea.key=... --fovea.ca=... for `name`.
  std::vector<std::string> flags(const std::string& name) const;

  /// Loaded and checked credentials of `name` (REQUIREs that they load).
  std::shared_ptr<const tls_credentials>
  credentials(const std::string& name) const;
};

/// Runs the real `fovea certs DIR NAMES... --role ROLE` (REQUIREs exit 0).
void fovea_certs(const std::string& dir, const std::vector<std::string>& names,
                 const std::string& role);

} // namespace fovea::test
