// shared_roots: inputs on a file system that every worker mounts at the
// same path (NFS, CephFS, s3fs), read only beneath the roots a worker
// allows (fovea.shared-roots).
//
// Guarantees:
//   - A path is read only if it names a regular file beneath one of the
//     roots, as the kernel resolves it: the file is opened with openat2()
//     relative to the root's own descriptor, with RESOLVE_BENEATH and
//     RESOLVE_NO_MAGICLINKS, so "..", absolute symbolic links, links that
//     lead out of the root and /proc's magic links are refused at the open
//     itself. There is no check before the open that a rename could outrun.
//   - A symbolic link that stays beneath its root is followed.
//   - "/data-evil/x" is not beneath the root "/data": roots match whole
//     path components.
//   - A refusal is a reason for the input's row, naming the path and the
//     rule; the sizes and file types of local inputs apply as well
//     (vision/image_file.hpp).
//   - Each root is opened once, when the worker starts: a root that is
//     missing or not a folder is a configuration error then, naming it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/expected.hpp>

namespace fovea {

class shared_roots {
public:
  /// Opens each root (absolute paths of folders).
  static caf::expected<shared_roots>
  open(const std::vector<std::string>& roots);

  shared_roots(shared_roots&& other) noexcept;
  shared_roots& operator=(shared_roots&&) = delete;
  shared_roots(const shared_roots&) = delete;
  ~shared_roots();

  /// The root `path` lies beneath, or the empty string.
  const std::string& root_of(const std::string& path) const;

  /// Reads `path` (absolute, as the client named it) into `bytes`; the
  /// empty string, or the reason for its row. With `version`, it gets the
  /// opened file's size and modification time ("SIZE:SECONDS.NANOS"),
  /// taken before its bytes are read (a change during the read shows as
  /// a change next time, never hides); if that equals `unless_version`,
  /// nothing is read and `bytes` stays empty.
  std::string read(const std::string& path, uint64_t max_bytes,
                   std::vector<uint8_t>& bytes, std::string* version = nullptr,
                   const std::string& unless_version = {}) const;

private:
  struct root {
    std::string path; ///< without a trailing '/', except "/" itself
    int fd = -1;      ///< O_PATH | O_DIRECTORY
  };
  shared_roots() = default;
  std::vector<root> roots_;
};

} // namespace fovea
