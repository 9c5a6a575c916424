// s3_reference: what an s3:// input names, where its bytes are fetched
// from, with whose credentials, and whether this worker may.
//
// Guarantees:
//   - A reference is "s3://BUCKET/KEY" (or a prefix: a key that is empty or
//     ends with '/'), with a bucket name as S3 allows them (3-63 of a-z 0-9
//     '.' '-', a letter or digit at each end, no "..", not an IPv4 address)
//     and a key of at most 1024 bytes without control characters (a key
//     ends up in result rows and log lines). Anything else is refused,
//     saying why.
//   - The request goes to the configured endpoint (fovea.s3-endpoint) and
//     nowhere else: the bucket is a path segment (path-style) or a label
//     in front of the endpoint's host (virtual-hosted), never a host of its
//     own. A bucket with a '.' is always path-style over HTTPS (it would
//     not match the store's certificate as a label).
//   - Credentials come from AWS's environment variables or from a shared
//     credentials file that only its owner can read; a secret is never part
//     of a message (describe() of an error names the file, not its text).
//   - A bucket is read only if fovea.s3-buckets names it (or a prefix of it
//     ending in '*'; "*" alone allows every bucket); an empty list
//     allows none.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <caf/expected.hpp>

#include "storage/sigv4.hpp"

namespace fovea {

struct s3_object {
  std::string bucket;
  std::string key; ///< a prefix if empty or ending with '/'

  bool is_prefix() const { return key.empty() || key.back() == '/'; }
};

/// Parses "s3://BUCKET/KEY".
caf::expected<s3_object> parse_s3_reference(std::string_view text);

struct s3_endpoint {
  std::string scheme = "https"; ///< "https", or "http" (loopback tests)
  std::string host;             ///< "s3.eu-west-1.amazonaws.com"
  std::string port;             ///< empty: the scheme's
  bool path_style = true;
};

/// Parses fovea.s3-endpoint, "https://HOST[:PORT]" (no path, no user).
caf::expected<s3_endpoint> parse_s3_endpoint(std::string_view url,
                                             bool path_style);

/// Where a GET of `object` goes: its URL, and the request to sign (method,
/// path and the host header; the caller adds x-amz-date and the rest).
struct s3_target {
  std::string url;
  sigv4_request request;
};

s3_target s3_get_target(const s3_endpoint& endpoint, const s3_object& object);

/// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.
caf::expected<aws_credentials> s3_credentials_from_environment();

/// A shared credentials file (INI: [profile], aws_access_key_id = ...,
/// aws_secret_access_key = ..., aws_session_token = ...), readable by its
/// owner only.
caf::expected<aws_credentials>
s3_credentials_from_file(const std::string& path,
                         const std::string& profile = "default");

/// fovea.s3-credentials: the file `file` names, or the environment's
/// when it is empty.
caf::expected<aws_credentials> s3_credentials(const std::string& file);

/// Signs `request` as of now: adds x-amz-date, x-amz-content-sha256, the
/// session token (if any) and the Authorization header to its headers,
/// which are then the ones to send.
void s3_sign_now(sigv4_request& request, const aws_credentials& credentials,
                 const std::string& region);

/// Whether fovea.s3-buckets (`allowed`) lets this worker read `bucket`.
bool s3_bucket_allowed(const std::vector<std::string>& allowed,
                       std::string_view bucket);

} // namespace fovea
