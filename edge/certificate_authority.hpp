// certificate_authority: a cluster's own CA in a folder, as `fovea certs`
// keeps it: DIR/ca.pem and DIR/ca.key (made once, reused), and for each
// node DIR/NAME.pem and DIR/NAME.key, signed by it, with the node's role in
// the certificate (subject O=fovea, OU=ROLE, CN=NAME); DIR/crl.pem lists the
// revoked ones.
//
// Guarantees: keys are written with mode 0600 and never overwritten; a
// file is written whole or not at all (written aside, then renamed); an
// existing certificate or key is never replaced (remove it to issue anew).
#pragma once

#include <memory>
#include <string>

#include "edge/openssl_ptr.hpp"
#include "edge/peer_identity.hpp"

namespace fovea {

struct validity {
  int days = 365;
  /// Where the validity starts, relative to now (tests make expired
  /// certificates with a negative offset).
  long offset_seconds = -300;
};

class certificate_authority {
public:
  /// Opens the CA in `dir`, making the folder and the CA if there is none.
  /// `created` says which happened. On a problem: nothing, and `problem`.
  static std::unique_ptr<certificate_authority>
  open(const std::string& dir, bool& created, std::string& problem,
       validity ca_validity = validity{3650, -300});

  /// Writes DIR/NAME.pem and DIR/NAME.key; returns a problem or "".
  std::string issue(const std::string& name, peer_role role,
                    validity valid = {});

  /// Adds DIR/NAME.pem to DIR/crl.pem (made if missing); a problem or "".
  std::string revoke(const std::string& name);

  std::string ca_file() const { return dir_ + "/ca.pem"; }
  std::string crl_file() const { return dir_ + "/crl.pem"; }

private:
  std::string dir_;
  x509_ptr ca_;
  evp_pkey_ptr key_;
};

/// Writes `content` to `path` with `mode`, whole or not at all; refuses to
/// replace an existing file unless `replace`. Returns a problem or "".
std::string write_file_atomically(const std::string& path,
                                  const std::string& content, unsigned mode,
                                  bool replace);

} // namespace fovea
