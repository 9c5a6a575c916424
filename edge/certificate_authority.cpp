#include "edge/certificate_authority.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/rand.h>

#include "edge/tls_credentials.hpp"

namespace fovea {

namespace {

evp_pkey_ptr new_key() {
  return evp_pkey_ptr{EVP_EC_gen("P-256")};
}

bool random_serial(X509* cert) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1)
    return false;
  bytes[0] &= 0x7f; // positive
  bignum_ptr number{BN_bin2bn(bytes, sizeof(bytes), nullptr)};
  return number && BN_to_ASN1_INTEGER(number.get(),
                                      X509_get_serialNumber(cert)) != nullptr;
}

bool add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  auto* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr)
    return false;
  auto ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// A certificate for `key` named `subject`, signed by `issuer`/`issuer_key`
// (itself when those are null).
x509_ptr make_certificate(EVP_PKEY* key, X509_NAME* subject, X509* issuer,
                          EVP_PKEY* issuer_key, bool is_ca, validity valid) {
  x509_ptr cert{X509_new()};
  if (!cert || X509_set_version(cert.get(), 2) != 1 ||
      !random_serial(cert.get()))
    return nullptr;
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), valid.offset_seconds);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()),
                  valid.offset_seconds + 86400L * valid.days);
  X509_set_subject_name(cert.get(), subject);
  X509_set_issuer_name(cert.get(),
                       issuer ? X509_get_subject_name(issuer) : subject);
  X509_set_pubkey(cert.get(), key);
  auto* signer = issuer ? issuer : cert.get();
  bool ok =
      add_extension(cert.get(), signer, NID_subject_key_identifier, "hash") &&
      add_extension(cert.get(), signer, NID_authority_key_identifier,
                    "keyid:always");
  if (is_ca)
    ok = ok &&
         add_extension(cert.get(), signer, NID_basic_constraints,
                       "critical,CA:TRUE,pathlen:0") &&
         add_extension(cert.get(), signer, NID_key_usage,
                       "critical,keyCertSign,cRLSign");
  else
    ok = ok &&
         add_extension(cert.get(), signer, NID_basic_constraints,
                       "critical,CA:FALSE") &&
         add_extension(cert.get(), signer, NID_key_usage,
                       "critical,digitalSignature") &&
         add_extension(cert.get(), signer, NID_ext_key_usage,
                       "serverAuth,clientAuth");
  if (!ok ||
      X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) == 0)
    return nullptr;
  return cert;
}

template <class Writer>
std::string pem_text(Writer write) {
  bio_ptr out{BIO_new(BIO_s_mem())};
  if (!out || write(out.get()) != 1)
    return {};
  char* data = nullptr;
  auto size = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

std::string pem_of(X509* cert) {
  return pem_text([&](BIO* b) { return PEM_write_bio_X509(b, cert); });
}

std::string pem_of(EVP_PKEY* key) {
  return pem_text([&](BIO* b) {
    return PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr,
                                    nullptr);
  });
}

std::string pem_of(X509_CRL* crl) {
  return pem_text([&](BIO* b) { return PEM_write_bio_X509_CRL(b, crl); });
}

} // namespace

std::string write_file_atomically(const std::string& path,
                                  const std::string& content, unsigned mode,
                                  bool replace) {
  if (!replace && ::access(path.c_str(), F_OK) == 0)
    return path + " exists already (remove it to make a new one)";
  auto aside = path + ".partial";
  ::unlink(aside.c_str());
  auto fd =
      ::open(aside.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0)
    return "cannot write " + aside + ": " + std::strerror(errno);
  ::fchmod(fd, mode); // whatever the umask
  size_t done = 0;
  while (done < content.size()) {
    auto n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      auto why = std::string{std::strerror(errno)};
      ::close(fd);
      ::unlink(aside.c_str());
      return "cannot write " + aside + ": " + why;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0 ||
      std::rename(aside.c_str(), path.c_str()) != 0) {
    auto why = std::string{std::strerror(errno)};
    ::unlink(aside.c_str());
    return "cannot write " + path + ": " + why;
  }
  return {};
}

std::unique_ptr<certificate_authority>
certificate_authority::open(const std::string& dir, bool& created,
                            std::string& problem, validity ca_validity) {
  auto result =
      std::unique_ptr<certificate_authority>(new certificate_authority);
  result->dir_ = dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    problem = "cannot create " + dir + ": " + ec.message();
    return nullptr;
  }
  auto cert_path = dir + "/ca.pem";
  auto key_path = dir + "/ca.key";
  bool have_cert = ::access(cert_path.c_str(), F_OK) == 0;
  bool have_key = ::access(key_path.c_str(), F_OK) == 0;
  created = !have_cert && !have_key;
  if (have_cert != have_key) {
    problem = "only one of " + cert_path + " and " + key_path +
              " exists: restore the other, or remove both for a new CA "
              "(and new certificates for every node)";
    return nullptr;
  }
  if (!created) {
    std::string why;
    result->ca_ = read_certificate(cert_path, why);
    if (!result->ca_) {
      problem = cert_path + ": " + why;
      return nullptr;
    }
    result->key_ = read_private_key(key_path, why);
    if (!result->key_) {
      problem = key_path + ": " + why;
      return nullptr;
    }
    if (X509_check_private_key(result->ca_.get(), result->key_.get()) != 1) {
      openssl_error();
      problem = key_path + ": not the private key of " + cert_path;
      return nullptr;
    }
    return result;
  }
  result->key_ = new_key();
  // A name of its own, so that two clusters' CAs are never confused.
  unsigned char id[6];
  RAND_bytes(id, sizeof(id));
  char hex[16];
  std::snprintf(hex, sizeof(hex), "%02x%02x%02x%02x%02x%02x", id[0], id[1],
                id[2], id[3], id[4], id[5]);
  auto common_name = std::string{"fovea cluster CA "} + hex;
  auto* subject = X509_NAME_new();
  X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("fovea"),
                             -1, -1, 0);
  X509_NAME_add_entry_by_txt(
      subject, "CN", MBSTRING_UTF8,
      reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  result->ca_ = make_certificate(result->key_.get(), subject, nullptr, nullptr,
                                 true, ca_validity);
  X509_NAME_free(subject);
  if (!result->key_ || !result->ca_) {
    problem = "cannot make a CA: " + openssl_error();
    return nullptr;
  }
  if (auto why = write_file_atomically(key_path, pem_of(result->key_.get()),
                                       0600, false);
      !why.empty()) {
    problem = why;
    return nullptr;
  }
  if (auto why = write_file_atomically(cert_path, pem_of(result->ca_.get()),
                                       0644, false);
      !why.empty()) {
    problem = why;
    return nullptr;
  }
  return result;
}

std::string certificate_authority::issue(const std::string& name,
                                         peer_role role, validity valid) {
  if (!valid_peer_name(name))
    return "'" + name +
           "' is not a node name (1-64 letters, digits, '.', "
           "'_' or '-', not starting with '.')";
  if (role == peer_role::unauthenticated)
    return "a certificate needs a role";
  auto cert_path = dir_ + "/" + name + ".pem";
  auto key_path = dir_ + "/" + name + ".key";
  for (auto& path : {cert_path, key_path})
    if (::access(path.c_str(), F_OK) == 0)
      return path + " exists already (remove it and its .pem/.key partner "
                    "to issue a new one)";
  auto key = new_key();
  auto* subject = X509_NAME_new();
  auto role_text = to_string(role);
  auto add = [&](const char* field, const std::string& value) {
    X509_NAME_add_entry_by_txt(
        subject, field, MBSTRING_UTF8,
        reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0);
  };
  add("O", "fovea");
  add("OU", role_text);
  add("CN", name);
  auto cert = key ? make_certificate(key.get(), subject, ca_.get(), key_.get(),
                                     false, valid)
                  : nullptr;
  X509_NAME_free(subject);
  if (!cert)
    return "cannot make a certificate for " + name + ": " + openssl_error();
  if (auto why =
          write_file_atomically(key_path, pem_of(key.get()), 0600, false);
      !why.empty())
    return why;
  return write_file_atomically(cert_path, pem_of(cert.get()), 0644, false);
}

std::string certificate_authority::revoke(const std::string& name) {
  std::string why;
  auto cert = read_certificate(dir_ + "/" + name + ".pem", why);
  if (!cert)
    return dir_ + "/" + name + ".pem: " + why;
  if (X509_check_issued(ca_.get(), cert.get()) != X509_V_OK ||
      X509_verify(cert.get(), X509_get0_pubkey(ca_.get())) != 1) {
    openssl_error();
    return dir_ + "/" + name + ".pem is not signed by " + ca_file();
  }
  // Start from the list so far, if there is one.
  x509_crl_ptr crl;
  if (::access(crl_file().c_str(), F_OK) == 0) {
    crl = read_revocation_list(crl_file(), why);
    if (!crl)
      return crl_file() + ": " + why;
  } else {
    crl.reset(X509_CRL_new());
    X509_CRL_set_version(crl.get(), 1);
    X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(ca_.get()));
  }
  auto* serial = X509_get_serialNumber(cert.get());
  X509_REVOKED* already = nullptr;
  if (X509_CRL_get0_by_serial(crl.get(), &already, serial) == 1)
    return {}; // revoked before: nothing to change
  auto* revoked = X509_REVOKED_new();
  X509_REVOKED_set_serialNumber(revoked, serial);
  auto* when = ASN1_TIME_new();
  X509_gmtime_adj(when, 0);
  X509_REVOKED_set_revocationDate(revoked, when);
  X509_CRL_add0_revoked(crl.get(), revoked);
  X509_CRL_set1_lastUpdate(crl.get(), when);
  ASN1_TIME_free(when);
  // Valid as long as the CA: a list that expired would stop every node.
  X509_CRL_set1_nextUpdate(crl.get(), X509_get0_notAfter(ca_.get()));
  X509_CRL_sort(crl.get());
  if (X509_CRL_sign(crl.get(), key_.get(), EVP_sha256()) == 0)
    return "cannot sign " + crl_file() + ": " + openssl_error();
  return write_file_atomically(crl_file(), pem_of(crl.get()), 0644, true);
}

} // namespace fovea
