// Owning handles for OpenSSL objects, and OpenSSL's last error as text.
#pragma once

#include <memory>
#include <string>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace fovea {

template <class T, void (*Free)(T*)>
struct openssl_deleter {
  void operator()(T* x) const noexcept { Free(x); }
};

using x509_ptr = std::unique_ptr<X509, openssl_deleter<X509, X509_free>>;
using x509_crl_ptr =
    std::unique_ptr<X509_CRL, openssl_deleter<X509_CRL, X509_CRL_free>>;
using evp_pkey_ptr =
    std::unique_ptr<EVP_PKEY, openssl_deleter<EVP_PKEY, EVP_PKEY_free>>;
using x509_store_ptr =
    std::unique_ptr<X509_STORE, openssl_deleter<X509_STORE, X509_STORE_free>>;
using x509_store_ctx_ptr =
    std::unique_ptr<X509_STORE_CTX,
                    openssl_deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;
using bignum_ptr = std::unique_ptr<BIGNUM, openssl_deleter<BIGNUM, BN_free>>;

inline void free_bio(BIO* b) {
  BIO_free(b);
}
using bio_ptr = std::unique_ptr<BIO, openssl_deleter<BIO, free_bio>>;

/// The reason of OpenSSL's most recent error (and clears the queue), or
/// `fallback` if it has none.
std::string openssl_error(const std::string& fallback = "unknown error");

/// An ASN1 time as "2027-11-25 14:02 UTC".
std::string describe_time(const ASN1_TIME* time);

} // namespace fovea
