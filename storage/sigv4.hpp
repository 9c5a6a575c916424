// sigv4: AWS Signature Version 4 for S3 requests, computed by fovea itself.
//
// Why not libcurl's CURLOPT_AWS_SIGV4: Debian 12's libcurl (7.88) signs the
// query string as given, without sorting or encoding it as SigV4 requires,
// so a ListObjectsV2 request with a continuation token or a prefix is
// refused. This file holds the whole algorithm; OpenSSL does the hashing.
//
// Guarantees:
//   - The canonical request, string to sign and Authorization header are
//     the ones AWS's published SigV4 test suite gives for its requests
//     (tests/storage/sigv4.test.cpp replays them).
//   - S3's rules for the path: each byte but the unreserved ones and '/' is
//     percent-encoded once, and the path is never normalised ("a//b" and
//     "a/./b" are other keys than "a/b").
//   - Nothing here logs or keeps a secret: the secret key goes into the
//     signing key and no further.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fovea {

struct aws_credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token; ///< temporary credentials' token, or empty
};

/// Who signs for what: the credential scope's parts.
struct sigv4_scope {
  std::string region; ///< "us-east-1"
  std::string service = "s3";
};

/// A request as it will be sent, before it is signed.
struct sigv4_request {
  std::string method = "GET";
  std::string path = "/"; ///< decoded: "/bucket/a key.png"
  /// Decoded names and values, in any order; a name without '=' has "".
  std::vector<std::pair<std::string, std::string>> query;
  /// As they will be sent; must include host and x-amz-date (and
  /// x-amz-security-token with temporary credentials).
  std::vector<std::pair<std::string, std::string>> headers;
  /// Hex SHA-256 of the body, or "UNSIGNED-PAYLOAD".
  std::string payload_hash =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
};

/// RFC 3986 percent-encoding as SigV4 defines it: every byte but A-Z a-z
/// 0-9 '-' '.' '_' '~' (and '/' unless `encode_slash`) as %XX, upper case.
std::string sigv4_encode(std::string_view text, bool encode_slash);

/// The query as SigV4 signs it, and as it should be sent: encoded names
/// and values, sorted by name then value, joined by '&'.
std::string
sigv4_query(const std::vector<std::pair<std::string, std::string>>& query);

/// The hex SHA-256 of a request body, as payload_hash and the
/// x-amz-content-sha256 header carry it.
std::string sigv4_payload_hash(std::string_view body);

/// The canonical request (SigV4's task 1).
std::string sigv4_canonical_request(const sigv4_request& request);

/// The string to sign (task 2); `amz_date` is "YYYYMMDDTHHMMSSZ".
std::string sigv4_string_to_sign(std::string_view amz_date,
                                 const sigv4_scope& scope,
                                 std::string_view canonical_request);

/// The Authorization header's value for `request` (tasks 3 and 4); the
/// date is the request's x-amz-date header.
std::string sigv4_authorization(const sigv4_request& request,
                                const sigv4_scope& scope,
                                const aws_credentials& credentials);

/// "YYYYMMDDTHHMMSSZ" for `unix_seconds`, in UTC.
std::string sigv4_amz_date(long long unix_seconds);

} // namespace fovea
