#include "storage/sigv4.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace fovea {

namespace {

constexpr std::string_view algorithm = "AWS4-HMAC-SHA256";

std::string hex(const unsigned char* bytes, size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string text;
  text.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    text += digits[bytes[i] >> 4];
    text += digits[bytes[i] & 0xf];
  }
  return text;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr);
  return hex(digest, size);
}

// HMAC-SHA256 of `data` under `key`, as raw bytes.
std::string hmac(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
       &size);
  return std::string(reinterpret_cast<const char*>(mac), size);
}

std::string lower(std::string_view text) {
  std::string out{text};
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Leading and trailing blanks dropped, each inner run of them one space.
std::string trimmed(std::string_view value) {
  std::string out;
  bool blank = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      blank = !out.empty();
      continue;
    }
    if (blank)
      out += ' ';
    blank = false;
    out += c;
  }
  return out;
}

// Lower-case names, sorted; the values of a repeated name joined by ','
// in the order they were given.
std::map<std::string, std::string> canonical_headers(
    const std::vector<std::pair<std::string, std::string>>& headers) {
  std::map<std::string, std::string> out;
  for (auto& [name, value] : headers) {
    auto& joined = out[lower(name)];
    joined += (joined.empty() ? "" : ",") + trimmed(value);
  }
  return out;
}

std::string header_value(const sigv4_request& request, std::string_view name) {
  for (auto& [key, value] : request.headers)
    if (lower(key) == name)
      return trimmed(value);
  return {};
}

std::string signed_header_list(const std::map<std::string, std::string>& h) {
  std::string list;
  for (auto& entry : h)
    list += (list.empty() ? "" : ";") + entry.first;
  return list;
}

std::string credential_scope(std::string_view amz_date,
                             const sigv4_scope& scope) {
  return std::string{amz_date.substr(0, 8)} + "/" + scope.region + "/" +
         scope.service + "/aws4_request";
}

} // namespace

std::string sigv4_encode(std::string_view text, bool encode_slash) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
        (c == '/' && !encode_slash)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 0xf];
    }
  }
  return out;
}

std::string
sigv4_query(const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  for (auto& [name, value] : query)
    encoded.emplace_back(sigv4_encode(name, true), sigv4_encode(value, true));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (auto& [name, value] : encoded)
    out += (out.empty() ? "" : "&") + name + "=" + value;
  return out;
}

std::string sigv4_payload_hash(std::string_view body) {
  return sha256_hex(body);
}

std::string sigv4_canonical_request(const sigv4_request& request) {
  auto headers = canonical_headers(request.headers);
  std::string text = request.method + "\n" + sigv4_encode(request.path, false) +
                     "\n" + sigv4_query(request.query) + "\n";
  for (auto& [name, value] : headers)
    text += name + ":" + value + "\n";
  return text + "\n" + signed_header_list(headers) + "\n" +
         request.payload_hash;
}

std::string sigv4_string_to_sign(std::string_view amz_date,
                                 const sigv4_scope& scope,
                                 std::string_view canonical_request) {
  return std::string{algorithm} + "\n" + std::string{amz_date} + "\n" +
         credential_scope(amz_date, scope) + "\n" +
         sha256_hex(canonical_request);
}

std::string sigv4_authorization(const sigv4_request& request,
                                const sigv4_scope& scope,
                                const aws_credentials& credentials) {
  auto amz_date = header_value(request, "x-amz-date");
  auto to_sign =
      sigv4_string_to_sign(amz_date, scope, sigv4_canonical_request(request));
  auto key = hmac("AWS4" + credentials.secret_key, amz_date.substr(0, 8));
  key = hmac(key, scope.region);
  key = hmac(key, scope.service);
  key = hmac(key, "aws4_request");
  auto mac = hmac(key, to_sign);
  return std::string{algorithm} + " Credential=" + credentials.access_key +
         "/" + credential_scope(amz_date, scope) + ", SignedHeaders=" +
         signed_header_list(canonical_headers(request.headers)) +
         ", Signature=" +
         hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
}

std::string sigv4_amz_date(long long unix_seconds) {
  std::time_t when = static_cast<std::time_t>(unix_seconds);
  std::tm utc{};
  ::gmtime_r(&when, &utc);
  char text[20];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

} // namespace fovea
