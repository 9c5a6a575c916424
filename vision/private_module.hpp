// private_module: fovea's own shared modules, loaded on first use.
//
// Some libraries cost every process that links them, used or not: LibTorch
// builds its operator tables at load (~400 ms here), and OpenCV's image
// codecs pull ~130 more shared libraries (GDAL, Poppler, HDF5...) whose
// relocations took 78 ms before main of every fovea process. Each lives
// in a module of its own (libfovea_NAME.so), loaded once per process by
// the first caller and kept for the process's life (LibTorch's static
// state does not survive being unloaded).
//
// A module sits next to the executable in a build tree (the build puts
// every binary in one folder), and in FOVEA_PRIVATE_LIBDIR below the
// installation prefix once installed (a private library has no place in
// /usr/bin); failing both, the dynamic loader's own search path.
#pragma once

#include <string>

namespace fovea {

struct private_module {
  std::string path;      ///< where it was looked for or found
  void* entry = nullptr; ///< the module's entry symbol; null if not loaded
  std::string problem;   ///< why not, naming the file
};

/// Loads libfovea_`name`.so once (thread-safe) and looks up `symbol` in it.
/// Each name must always be asked for with the same symbol.
const private_module& load_private_module(const std::string& name,
                                          const char* symbol);

} // namespace fovea
