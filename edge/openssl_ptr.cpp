#include "edge/openssl_ptr.hpp"

#include <ctime>

#include <openssl/err.h>

namespace fovea {

std::string openssl_error(const std::string& fallback) {
  auto code = ERR_get_error();
  ERR_clear_error();
  if (code == 0)
    return fallback;
  if (auto reason = ERR_reason_error_string(code))
    return reason;
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return text;
}

std::string describe_time(const ASN1_TIME* time) {
  struct tm parts {};
  if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1)
    return "an unreadable date";
  char text[64];
  std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M UTC", &parts);
  return text;
}

} // namespace fovea
