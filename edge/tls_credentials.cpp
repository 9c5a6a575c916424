#include "edge/tls_credentials.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include <openssl/pem.h>

namespace fovea {

namespace {

// Never prompts for a passphrase (a node may run without a terminal).
int no_passphrase(char*, int, int, void*) {
  return 0;
}

bio_ptr memory_bio(const std::string& content) {
  return bio_ptr{
      BIO_new_mem_buf(content.data(), static_cast<int>(content.size()))};
}

// Why PEM parsing of `content` as `kind` failed, for people.
std::string not_pem(const std::string& content, const std::string& kind) {
  if (content.find("-----BEGIN") == std::string::npos)
    return "not a PEM file (expected a " + kind + ")";
  if (kind == "private key" && content.find("ENCRYPTED") != std::string::npos)
    return "an encrypted private key: fovea needs it unencrypted (mode 0600)";
  return "PEM, but not a " + kind + " (" + openssl_error("unreadable") + ")";
}

bool read_pem_file(const std::string& path, std::string& content,
                   std::string& problem) {
  if (path.empty()) {
    problem = "not set";
    return false;
  }
  struct ::stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    problem = std::strerror(errno);
    return false;
  }
  if (!S_ISREG(info.st_mode)) {
    problem = "not a regular file";
    return false;
  }
  if (info.st_size > 1 << 20) {
    problem = "larger than 1 MiB: not a certificate or key";
    return false;
  }
  std::ifstream in{path, std::ios::binary};
  if (!in) {
    problem = std::string{"cannot read: "} + std::strerror(errno);
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  content = text.str();
  return true;
}

// Reads `path` and parses it with `parse`; on failure says why, as kind.
template <class Ptr, class Parse>
Ptr read_pem(const std::string& path, const std::string& kind,
             std::string& problem, Parse parse) {
  std::string content;
  if (!read_pem_file(path, content, problem))
    return nullptr;
  Ptr result{parse(memory_bio(content).get())};
  if (!result)
    problem = not_pem(content, kind);
  return result;
}

std::string entry(const char* key, const std::string& path) {
  return std::string{key} + " = " + path + ": ";
}

// Verifies `certificate` against `ca` (and `crl`) now; empty if it holds.
std::string verify(X509* certificate, X509* ca, X509_CRL* crl,
                   const std::string& ca_path, const std::string& crl_path) {
  x509_store_ptr store{X509_STORE_new()};
  X509_STORE_add_cert(store.get(), ca);
  if (crl) {
    X509_STORE_add_crl(store.get(), crl);
    X509_STORE_set_flags(store.get(), X509_V_FLAG_CRL_CHECK);
  }
  x509_store_ctx_ptr ctx{X509_STORE_CTX_new()};
  X509_STORE_CTX_init(ctx.get(), store.get(), certificate, nullptr);
  if (X509_verify_cert(ctx.get()) == 1)
    return {};
  auto err = X509_STORE_CTX_get_error(ctx.get());
  auto depth = X509_STORE_CTX_get_error_depth(ctx.get());
  auto* subject = depth == 0 ? certificate : ca;
  switch (err) {
  case X509_V_ERR_CERT_HAS_EXPIRED:
    return depth == 0
               ? "expired on " + describe_time(X509_get0_notAfter(subject))
               : "its CA " + ca_path + " expired on " +
                     describe_time(X509_get0_notAfter(subject));
  case X509_V_ERR_CERT_NOT_YET_VALID:
    return "not valid before " + describe_time(X509_get0_notBefore(subject));
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
  case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
  case X509_V_ERR_CERT_SIGNATURE_FAILURE:
  case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
  case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    return "not signed by the CA in " + ca_path;
  case X509_V_ERR_CERT_REVOKED:
    return "revoked (listed in " + crl_path + ")";
  default:
    return std::string{"does not verify against "} + ca_path + ": " +
           X509_verify_cert_error_string(err);
  }
}

} // namespace

x509_ptr read_certificate(const std::string& path, std::string& problem) {
  return read_pem<x509_ptr>(path, "certificate", problem, [](BIO* in) {
    return PEM_read_bio_X509(in, nullptr, no_passphrase, nullptr);
  });
}

evp_pkey_ptr read_private_key(const std::string& path, std::string& problem) {
  return read_pem<evp_pkey_ptr>(path, "private key", problem, [](BIO* in) {
    return PEM_read_bio_PrivateKey(in, nullptr, no_passphrase, nullptr);
  });
}

x509_crl_ptr read_revocation_list(const std::string& path,
                                  std::string& problem) {
  return read_pem<x509_crl_ptr>(
      path, "certificate revocation list", problem, [](BIO* in) {
        return PEM_read_bio_X509_CRL(in, nullptr, no_passphrase, nullptr);
      });
}

bool read_identity(X509* certificate, std::string& name, peer_role& role) {
  auto* subject = X509_get_subject_name(certificate);
  auto field = [&](int nid) -> std::string {
    char text[256] = {};
    auto n = X509_NAME_get_text_by_NID(subject, nid, text, sizeof(text));
    return n > 0 ? std::string(text, static_cast<size_t>(n)) : std::string{};
  };
  name = field(NID_commonName);
  auto parsed = parse_peer_role(field(NID_organizationalUnitName));
  if (!parsed || !valid_peer_name(name))
    return false;
  role = *parsed;
  return true;
}

std::shared_ptr<const tls_credentials>
tls_credentials::load(const tls_files& files, std::string& problem) {
  auto result = std::shared_ptr<tls_credentials>(new tls_credentials);
  result->files_ = files;
  std::string why;
  // The CA first: the other checks are against it.
  result->ca_ = read_certificate(files.ca, why);
  if (!result->ca_) {
    problem = entry("fovea.ca", files.ca) + why;
    return nullptr;
  }
  if (X509_check_ca(result->ca_.get()) == 0) {
    problem = entry("fovea.ca", files.ca) +
              "not a CA certificate (use the ca.pem `fovea certs` made)";
    return nullptr;
  }
  result->certificate_ = read_certificate(files.certificate, why);
  if (!result->certificate_) {
    problem = entry("fovea.certificate", files.certificate) + why;
    return nullptr;
  }
  result->key_ = read_private_key(files.key, why);
  if (!result->key_) {
    problem = entry("fovea.key", files.key) + why;
    return nullptr;
  }
  if (X509_check_private_key(result->certificate_.get(), result->key_.get()) !=
      1) {
    openssl_error();
    problem = entry("fovea.key", files.key) +
              "does not match the certificate " + files.certificate;
    return nullptr;
  }
  if (!files.crl.empty()) {
    result->crl_ = read_revocation_list(files.crl, why);
    if (!result->crl_) {
      problem = entry("fovea.crl", files.crl) + why;
      return nullptr;
    }
    if (X509_CRL_verify(result->crl_.get(),
                        X509_get0_pubkey(result->ca_.get())) != 1) {
      openssl_error();
      problem =
          entry("fovea.crl", files.crl) + "not signed by the CA in " + files.ca;
      return nullptr;
    }
  }
  if (auto failed = verify(result->certificate_.get(), result->ca_.get(),
                           result->crl_.get(), files.ca, files.crl);
      !failed.empty()) {
    problem = entry("fovea.certificate", files.certificate) + failed;
    return nullptr;
  }
  if (!read_identity(result->certificate_.get(), result->name_,
                     result->role_)) {
    problem = entry("fovea.certificate", files.certificate) +
              "names no fovea role (subject OU coordinator, worker, client "
              "or operator) and node name (CN); make it with fovea certs";
    return nullptr;
  }
  return result;
}

int tls_credentials::days_left() const {
  int days = 0;
  int seconds = 0;
  ASN1_TIME_diff(&days, &seconds, nullptr,
                 X509_get0_notAfter(certificate_.get()));
  return days;
}

} // namespace fovea
