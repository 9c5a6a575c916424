#include "vision/library_preload.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

extern char** environ;

namespace fovea {

namespace {

// A listing of LibTorch is 20 kB; anything near this is not a listing.
constexpr size_t max_listing = 1 << 20;

// The dynamic loader this process runs under: the main program's
// PT_INTERP (the first object dl_iterate_phdr reports).
std::string dynamic_loader() {
  std::string path;
  ::dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* out) {
        for (int i = 0; i < info->dlpi_phnum; ++i)
          if (info->dlpi_phdr[i].p_type == PT_INTERP)
            *static_cast<std::string*>(out) = reinterpret_cast<const char*>(
                info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
        return 1; // the main program only
      },
      &path);
  return path;
}

// What `loader --list module` prints on stdout; empty on any failure.
std::string run_listing(const std::string& loader, const std::string& module) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0)
    return {};
  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  ::posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null",
                                     O_WRONLY, 0);
  std::string list_flag = "--list";
  std::vector<char*> argv{const_cast<char*>(loader.c_str()), list_flag.data(),
                          const_cast<char*>(module.c_str()), nullptr};
  pid_t pid = 0;
  auto spawned = ::posix_spawn(&pid, loader.c_str(), &actions, nullptr,
                               argv.data(), environ);
  ::posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  std::string listing;
  if (spawned == 0) {
    char chunk[4096];
    for (ssize_t n; (n = ::read(out[0], chunk, sizeof chunk)) != 0;) {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 || listing.size() + static_cast<size_t>(n) > max_listing) {
        listing.clear();
        break;
      }
      listing.append(chunk, static_cast<size_t>(n));
    }
  }
  ::close(out[0]);
  if (spawned != 0)
    return {};
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return {};
  return listing;
}

} // namespace

std::vector<std::string> listed_libraries(std::string_view listing) {
  std::vector<std::string> paths;
  while (!listing.empty()) {
    auto end = listing.find('\n');
    auto line = listing.substr(0, end);
    listing.remove_prefix(end == std::string_view::npos ? listing.size()
                                                        : end + 1);
    if (auto arrow = line.find(" => "); arrow != std::string_view::npos)
      line.remove_prefix(arrow + 4);
    auto first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos)
      continue;
    line.remove_prefix(first);
    // "PATH (0x...)": a path is absolute; "not found" and the vDSO (a name
    // with no file) are not.
    auto address = line.rfind(" (0x");
    if (line.front() != '/' || address == std::string_view::npos)
      continue;
    paths.emplace_back(line.substr(0, address));
  }
  return paths;
}

std::vector<std::string> library_dependencies(const std::string& module) {
  auto loader = dynamic_loader();
  if (loader.empty() || module.empty() || module.front() != '/')
    return {};
  auto paths = listed_libraries(run_listing(loader, module));
  // The loader lists itself too; it is loaded already, as is libc.
  std::erase(paths, loader);
  return paths;
}

size_t preload_libraries_of(const std::string& module) {
  auto paths = library_dependencies(module);
  size_t loaded = 0;
  // Deepest first: a library late in breadth-first order is needed by
  // those before it, rarely the other way round. An order that is not
  // exactly topological costs speed, never correctness (see the header).
  for (auto path = paths.rbegin(); path != paths.rend(); ++path)
    if (*path != module && ::dlopen(path->c_str(), RTLD_NOW | RTLD_LOCAL))
      ++loaded;
  ::dlerror(); // a library that failed is the module's dlopen's to report
  return loaded;
}

} // namespace fovea
