#include "edge/tls_context.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

namespace fovea {

namespace ssl = boost::asio::ssl;

std::unique_ptr<ssl::context>
make_tls_context(const tls_credentials& credentials, bool server) {
  auto ctx = std::make_unique<ssl::context>(server ? ssl::context::tls_server
                                                   : ssl::context::tls_client);
  auto* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  // TLS 1.2 only with forward secrecy and AEAD; TLS 1.3 suites are all AEAD.
  SSL_CTX_set_cipher_list(native, "ECDHE-ECDSA-AES128-GCM-SHA256:"
                                  "ECDHE-ECDSA-AES256-GCM-SHA384:"
                                  "ECDHE-ECDSA-CHACHA20-POLY1305:"
                                  "ECDHE-RSA-AES128-GCM-SHA256:"
                                  "ECDHE-RSA-AES256-GCM-SHA384:"
                                  "ECDHE-RSA-CHACHA20-POLY1305");
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                  SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_use_certificate(native, credentials.certificate());
  SSL_CTX_use_PrivateKey(native, credentials.key());
  auto* store = SSL_CTX_get_cert_store(native);
  X509_STORE_add_cert(store, credentials.ca());
  if (credentials.crl()) {
    X509_STORE_add_crl(store, credentials.crl());
    X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
  }
  // No session resumption: every connection shows its certificate anew, so
  // a revoked one is refused after the node restarts with the new list.
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(native, 0);
  ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  return ctx;
}

std::string describe_tls_failure(const boost::system::error_code& ec,
                                 const SSL* ssl) {
  auto text = ec.message();
  auto has = [&](const char* part) {
    return text.find(part) != std::string::npos;
  };
  if (ec == boost::asio::error::eof || ec == ssl::error::stream_truncated ||
      ec == boost::asio::error::connection_reset)
    return "the connection was closed during the TLS handshake";
  if (has("wrong version number") || has("packet length too long") ||
      has("http request") || has("unknown protocol") ||
      has("alert protocol version"))
    return "the other side does not speak TLS (a node without "
           "fovea.certificate?)";
  if (has("certificate verify failed") && ssl) {
    auto result = SSL_get_verify_result(ssl);
    return std::string{"its certificate was refused: "} +
           X509_verify_cert_error_string(result) +
           (result == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
                    result == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
                    result == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
                    result == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN
                ? " (not signed by this cluster's CA, fovea.ca)"
                : "");
  }
  if (has("peer did not return a certificate"))
    return "it presented no certificate";
  if (has("alert certificate required"))
    return "the other side requires a certificate from this node";
  if (has("alert unknown ca") || has("alert bad certificate") ||
      has("alert certificate unknown"))
    return "the other side refused this node's certificate (" + text +
           "): is it signed by the CA the other side trusts?";
  if (has("alert certificate revoked"))
    return "the other side says this node's certificate is revoked";
  if (has("alert certificate expired"))
    return "the other side says this node's certificate expired";
  return "TLS failed: " + text;
}

bool peer_certificate(const SSL* ssl, std::string& name, peer_role& role,
                      std::string& problem) {
  x509_ptr cert{SSL_get1_peer_certificate(ssl)};
  if (!cert) {
    problem = "it presented no certificate";
    return false;
  }
  if (!read_identity(cert.get(), name, role)) {
    problem = "its certificate names no fovea role and node name";
    return false;
  }
  return true;
}

std::string negotiated(const SSL* ssl) {
  return std::string{SSL_get_version(ssl)} + " " +
         SSL_CIPHER_get_name(SSL_get_current_cipher(ssl));
}

} // namespace fovea
