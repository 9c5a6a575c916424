#include "vision/private_module.hpp"

#include <dlfcn.h>
#include <filesystem>
#include <map>
#include <mutex>

#include "vision/library_preload.hpp"

namespace fovea {

namespace {

std::string module_path(const std::string& file) {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (auto folder : {exe.parent_path(),
                        exe.parent_path().parent_path() / FOVEA_PRIVATE_LIBDIR}) {
      auto candidate = folder / file;
      if (std::filesystem::exists(candidate, ec))
        return candidate.string();
    }
  }
  return file;
}

} // namespace

const private_module& load_private_module(const std::string& name,
                                          const char* symbol) {
  // Loading runs under the lock: a second caller waits for the first's
  // result rather than load the module twice. Entries are never erased,
  // so the references handed out stay valid.
  static std::mutex lock;
  static std::map<std::string, private_module> loaded;
  std::lock_guard<std::mutex> guard{lock};
  if (auto found = loaded.find(name); found != loaded.end())
    return found->second;
  auto& result = loaded[name];
  result.path = module_path("libfovea_" + name + ".so");
  // Its libraries first, each on its own: a third faster for LibTorch
  // (library_preload.hpp). They stay loaded for the process's life, as the
  // module does.
  preload_libraries_of(result.path);
  auto handle = ::dlopen(result.path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    result.problem = "cannot load " + result.path + ": " + ::dlerror();
    return result;
  }
  result.entry = ::dlsym(handle, symbol);
  if (result.entry == nullptr)
    result.problem = result.path + " has no " + symbol + " (a stale build?)";
  return result;
}

} // namespace fovea
