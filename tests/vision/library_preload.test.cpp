// A module's libraries are listed by the system's dynamic loader and
// loaded before it; what cannot be listed is left to the module's dlopen.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "vision/library_preload.hpp"
#include "vision/model.hpp"

using namespace fovea;

namespace {

bool names(const std::vector<std::string>& paths, std::string_view file) {
  return std::any_of(paths.begin(), paths.end(), [&](const std::string& p) {
    return p.find(file) != std::string::npos;
  });
}

} // namespace

TEST_CASE("a loader listing gives the library files in its order", "[unit]") {
  auto listing = "\tlinux-vdso.so.1 (0x00007ffd4a1f1000)\n"
                 "\tlibc10.so.1.13 => /lib/x86_64-linux-gnu/libc10.so.1.13 "
                 "(0x00007f0a1c000000)\n"
                 "\tlibgone.so.2 => not found\n"
                 "\t/lib64/ld-linux-x86-64.so.2 (0x00007f0a1d000000)\n"
                 "\tlibspace.so => /opt/with space/libspace.so (0x1000)\n"
                 "garbage without a path\n"
                 "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x2000)";
  CHECK(listed_libraries(listing) ==
        std::vector<std::string>{"/lib/x86_64-linux-gnu/libc10.so.1.13",
                                 "/lib64/ld-linux-x86-64.so.2",
                                 "/opt/with space/libspace.so",
                                 "/lib/x86_64-linux-gnu/libc.so.6"});
  CHECK(listed_libraries("").empty());
}

TEST_CASE("LibTorch's module lists LibTorch's libraries, not the loader",
          "[unit]") {
  auto module = torch_module();
  REQUIRE(module);
  auto paths = library_dependencies(*module);
  CHECK(names(paths, "libtorch_cpu.so"));
  CHECK(names(paths, "libc10.so"));
  CHECK_FALSE(names(paths, "ld-linux"));
  CHECK_FALSE(names(paths, "vdso"));
  CHECK(std::find(paths.begin(), paths.end(), *module) == paths.end());
  // Every one of them can be loaded on its own but a few that rely on
  // symbols of libraries they do not name (two of 284 on Debian 12).
  auto loaded = preload_libraries_of(*module);
  CHECK(loaded + 8 >= paths.size());
}

TEST_CASE("a module that cannot be listed is left to its own dlopen",
          "[unit]") {
  CHECK(library_dependencies("libfovea_torch.so").empty()); // not a path
  CHECK(library_dependencies("/nonexistent/libfovea_none.so").empty());
  CHECK(preload_libraries_of("/nonexistent/libfovea_none.so") == 0);
}
