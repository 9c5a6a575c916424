#include "storage/s3_reference.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <sstream>

#include "messages/errors.hpp"

namespace fovea {

namespace {

constexpr std::string_view scheme_prefix = "s3://";

caf::error refused(std::string_view text, const std::string& why) {
  return make_error(errc::invalid_request, std::string{text} + ": " + why);
}

bool ipv4_like(std::string_view name) {
  int dots = 0;
  for (char c : name) {
    if (c == '.')
      ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(c)))
      return false;
  }
  return dots == 3;
}

std::string bucket_problem(std::string_view bucket) {
  auto edge = [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c));
  };
  if (bucket.size() < 3 || bucket.size() > 63)
    return "a bucket name has 3 to 63 characters";
  if (!std::all_of(bucket.begin(), bucket.end(),
                   [&](char c) { return edge(c) || c == '.' || c == '-'; }))
    return "a bucket name has only a-z, 0-9, '.' and '-'";
  if (!edge(bucket.front()) || !edge(bucket.back()))
    return "a bucket name starts and ends with a letter or digit";
  if (bucket.find("..") != std::string_view::npos || ipv4_like(bucket))
    return "a bucket name has no \"..\" and is no IP address";
  return {};
}

std::string trim(std::string text) {
  auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos)
    return {};
  return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

} // namespace

caf::expected<s3_object> parse_s3_reference(std::string_view text) {
  if (!text.starts_with(scheme_prefix))
    return refused(text, "an S3 reference starts with s3://");
  auto rest = text.substr(scheme_prefix.size());
  auto slash = rest.find('/');
  s3_object object{std::string{rest.substr(0, slash)},
                   slash == std::string_view::npos
                       ? std::string{}
                       : std::string{rest.substr(slash + 1)}};
  if (auto problem = bucket_problem(object.bucket); !problem.empty())
    return refused(text, problem);
  if (object.key.size() > 1024)
    return refused(text, "an S3 key has at most 1024 bytes");
  if (std::any_of(object.key.begin(), object.key.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
      }))
    return refused(text, "an S3 key with control characters is not read");
  return object;
}

caf::expected<s3_endpoint> parse_s3_endpoint(std::string_view url,
                                             bool path_style) {
  s3_endpoint endpoint;
  endpoint.path_style = path_style;
  std::string_view rest;
  if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    endpoint.scheme = "http";
    rest = url.substr(7);
  } else {
    return refused(url, "fovea.s3-endpoint is https://HOST[:PORT]");
  }
  if (rest.ends_with('/'))
    rest.remove_suffix(1);
  auto colon = rest.rfind(':');
  if (colon != std::string_view::npos && rest.find(']', colon) == rest.npos) {
    endpoint.port = std::string{rest.substr(colon + 1)};
    rest = rest.substr(0, colon);
    auto digits = std::all_of(endpoint.port.begin(), endpoint.port.end(),
                              [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || endpoint.port.empty() || endpoint.port.size() > 5 ||
        std::stoi(endpoint.port) == 0 || std::stoi(endpoint.port) > 65535)
      return refused(url, "fovea.s3-endpoint has a port from 1 to 65535");
  }
  endpoint.host = std::string{rest};
  auto host_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' ||
           c == '-' || c == '[' || c == ']' || c == ':';
  };
  if (endpoint.host.empty() ||
      !std::all_of(endpoint.host.begin(), endpoint.host.end(), host_char))
    return refused(url, "fovea.s3-endpoint names a host only (no path, no "
                        "user)");
  return endpoint;
}

s3_target s3_get_target(const s3_endpoint& endpoint, const s3_object& object) {
  auto host = endpoint.host;
  auto path = "/" + object.bucket + "/" + object.key;
  bool label =
      !endpoint.path_style && !(endpoint.scheme == "https" &&
                                object.bucket.find('.') != std::string::npos);
  if (label) {
    host = object.bucket + "." + host;
    path = "/" + object.key;
  }
  if (!endpoint.port.empty())
    host += ":" + endpoint.port;
  s3_target target;
  target.url = endpoint.scheme + "://" + host + sigv4_encode(path, false);
  target.request.method = "GET";
  target.request.path = path;
  target.request.headers = {{"host", host}};
  return target;
}

caf::expected<aws_credentials> s3_credentials_from_environment() {
  auto get = [](const char* name) {
    auto* value = std::getenv(name);
    return std::string{value ? value : ""};
  };
  aws_credentials credentials{get("AWS_ACCESS_KEY_ID"),
                              get("AWS_SECRET_ACCESS_KEY"),
                              get("AWS_SESSION_TOKEN")};
  if (credentials.access_key.empty() || credentials.secret_key.empty())
    return make_error(errc::invalid_request,
                      "no S3 credentials: AWS_ACCESS_KEY_ID and "
                      "AWS_SECRET_ACCESS_KEY are not both set");
  return credentials;
}

caf::expected<aws_credentials>
s3_credentials_from_file(const std::string& path, const std::string& profile) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return make_error(errc::invalid_request,
                      path + ": cannot read: " + std::strerror(errno));
  struct stat st {};
  std::string text;
  bool own = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
             st.st_uid == ::geteuid() && (st.st_mode & 077) == 0 &&
             st.st_size <= (64 << 10);
  if (own) {
    text.resize(static_cast<size_t>(st.st_size));
    auto n = ::read(fd, text.data(), text.size());
    text.resize(n < 0 ? 0 : static_cast<size_t>(n));
  }
  ::close(fd);
  if (!own)
    return make_error(errc::invalid_request,
                      path + ": an S3 credentials file is a regular file "
                             "of this user that no one else may read "
                             "(chmod 600), of at most 64 KiB");
  aws_credentials credentials;
  std::istringstream lines{text};
  bool in_profile = false;
  for (std::string line; std::getline(lines, line);) {
    line = trim(line);
    if (line.empty() || line.front() == '#' || line.front() == ';')
      continue;
    if (line.front() == '[') {
      in_profile = trim(line.substr(1, line.find(']') - 1)) == profile;
      continue;
    }
    auto equals = line.find('=');
    if (!in_profile || equals == std::string::npos)
      continue;
    auto key = trim(line.substr(0, equals));
    auto value = trim(line.substr(equals + 1));
    if (key == "aws_access_key_id")
      credentials.access_key = value;
    else if (key == "aws_secret_access_key")
      credentials.secret_key = value;
    else if (key == "aws_session_token")
      credentials.session_token = value;
  }
  if (credentials.access_key.empty() || credentials.secret_key.empty())
    return make_error(errc::invalid_request,
                      path + ": profile [" + profile +
                          "] has no "
                          "aws_access_key_id and aws_secret_access_key");
  return credentials;
}

caf::expected<aws_credentials> s3_credentials(const std::string& file) {
  return file.empty() ? s3_credentials_from_environment()
                      : s3_credentials_from_file(file);
}

void s3_sign_now(sigv4_request& request, const aws_credentials& credentials,
                 const std::string& region) {
  request.headers.emplace_back("x-amz-date",
                               sigv4_amz_date(std::time(nullptr)));
  request.headers.emplace_back("x-amz-content-sha256", request.payload_hash);
  if (!credentials.session_token.empty())
    request.headers.emplace_back("x-amz-security-token",
                                 credentials.session_token);
  auto authorization
    = sigv4_authorization(request, sigv4_scope{region}, credentials);
  request.headers.emplace_back("authorization", std::move(authorization));
}

bool s3_bucket_allowed(const std::vector<std::string>& allowed,
                       std::string_view bucket) {
  return std::any_of(allowed.begin(), allowed.end(), [&](auto& entry) {
    if (!entry.empty() && entry.back() == '*')
      return bucket.starts_with(
          std::string_view{entry}.substr(0, entry.size() - 1));
    return bucket == entry;
  });
}

} // namespace fovea
