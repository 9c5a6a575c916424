// The TLS settings of an edge, in one place: mutual authentication against
// the cluster CA (and its revocation list), TLS 1.2 or newer, AEAD ciphers
// only; and what a failed handshake means, in words for people.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

#include "edge/tls_credentials.hpp"

namespace fovea {

/// A context that presents `credentials` and requires the peer to present
/// a certificate signed by the same CA (not revoked). `server`: accepting.
std::unique_ptr<boost::asio::ssl::context>
make_tls_context(const tls_credentials& credentials, bool server);

/// What a TLS failure on a connection means, from the error and, for
/// certificate problems, the verification result of `ssl` (may be null).
std::string describe_tls_failure(const boost::system::error_code& ec,
                                 const SSL* ssl);

/// The peer's certificate's name and role after a handshake; false (and
/// `problem`) if it carries none.
bool peer_certificate(const SSL* ssl, std::string& name, peer_role& role,
                      std::string& problem);

/// "TLSv1.3 TLS_AES_256_GCM_SHA384": what a handshake agreed on.
std::string negotiated(const SSL* ssl);

} // namespace fovea
