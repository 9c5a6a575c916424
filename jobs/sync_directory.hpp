// sync_directory: makes a creation, rename or removal in a directory last
// through a crash (fsync of the directory itself, as POSIX asks).
#pragma once

#include <string>

#include <caf/error.hpp>

namespace fovea {

/// fsync() of directory `dir`; a storage_failed error naming it otherwise.
caf::error sync_directory(const std::string& dir);

/// The directory part of `path` ("." if it has none).
std::string directory_of(const std::string& path);

} // namespace fovea
