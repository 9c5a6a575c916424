// SHA-256 of a file, as lower-case hex (OpenSSL's libcrypto does the work).
#pragma once

#include <string>

#include <caf/expected.hpp>

namespace fovea {

/// The file's SHA-256 as 64 hex digits, or a bad_model error naming it.
caf::expected<std::string> sha256_of_file(const std::string& path);

} // namespace fovea
