// SHA-256 of a file or of bytes, as lower-case hex (OpenSSL's libcrypto does the work).
#pragma once

#include <string>
#include <string_view>

#include <caf/expected.hpp>

namespace fovea {

/// The file's SHA-256 as 64 hex digits, or a bad_model error naming it.
caf::expected<std::string> sha256_of_file(const std::string& path);

/// The SHA-256 of `bytes` as 64 hex digits.
std::string sha256_of(std::string_view bytes);

} // namespace fovea
