// tls_credentials: a node's certificate, key and cluster CA (and, if given,
// a revocation list), loaded and checked before anything listens.
//
// load() guarantees, or says which file is wrong and why (naming the config
// key and the path): every file exists, is readable and is PEM of the right
// kind; the key is unencrypted and matches the certificate; the CA file is a
// CA certificate; the certificate is signed by that CA, valid now and not
// revoked; the revocation list, if any, is signed by the CA; and the
// certificate names a fovea role and a valid name (subject OU and CN, as
// `fovea certs` writes them).
#pragma once

#include <memory>
#include <string>

#include "edge/openssl_ptr.hpp"
#include "edge/peer_identity.hpp"

namespace fovea {

/// Where a node's TLS files are (fovea.certificate, .key, .ca, .crl).
struct tls_files {
  std::string certificate;
  std::string key;
  std::string ca;
  std::string crl; ///< optional
};

class tls_credentials {
public:
  /// Loads and checks `files`; on a problem returns nothing and sets
  /// `problem` to one line naming the key, the file and the reason.
  static std::shared_ptr<const tls_credentials> load(const tls_files& files,
                                                     std::string& problem);

  X509* certificate() const noexcept { return certificate_.get(); }
  EVP_PKEY* key() const noexcept { return key_.get(); }
  X509* ca() const noexcept { return ca_.get(); }
  X509_CRL* crl() const noexcept { return crl_.get(); } ///< may be null

  const std::string& name() const noexcept { return name_; }
  peer_role role() const noexcept { return role_; }
  const tls_files& files() const noexcept { return files_; }

  /// Days until the certificate expires (rounded down).
  int days_left() const;

private:
  x509_ptr certificate_;
  evp_pkey_ptr key_;
  x509_ptr ca_;
  x509_crl_ptr crl_;
  std::string name_;
  peer_role role_ = peer_role::unauthenticated;
  tls_files files_;
};

/// The name (CN) and role (OU) a fovea certificate carries; false if it
/// carries no valid pair.
bool read_identity(X509* certificate, std::string& name, peer_role& role);

/// A PEM file's certificate, unencrypted private key, or revocation list;
/// nothing and `problem` (missing, unreadable, not PEM, PEM of another
/// kind, an encrypted key) if it does not hold one. Never asks for a
/// passphrase: nodes run without a terminal.
x509_ptr read_certificate(const std::string& path, std::string& problem);
evp_pkey_ptr read_private_key(const std::string& path, std::string& problem);
x509_crl_ptr read_revocation_list(const std::string& path,
                                  std::string& problem);

} // namespace fovea
