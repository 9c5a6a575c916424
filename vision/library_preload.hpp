// library_preload: a module's shared libraries loaded deepest first, each
// as its own dlopen, so that loading the module itself costs less.
//
// Why: when dlopen loads a module with a large dependency tree, every
// library of the tree resolves its symbols against the whole tree: the
// dynamic loader walks up to the tree's full list of libraries (LibTorch's
// is 288 long on Debian 12) for each symbol, and symbol lookup was a third
// of LibTorch's 0.5 s load here. A library loaded first, as a dlopen of its
// own, is relocated against its own dependencies only; the module's dlopen
// later finds it loaded and relocated. Measured on `fovea classify` of one
// image, two workers, eight runs alternating (2026-12-03): LibTorch loaded
// in 422 ms instead of 534.
//
// Guarantees:
//   - Speed only: whatever is not preloaded (a listing that fails, a
//     library that cannot be loaded as a root because it relies on symbols
//     of libraries it does not name) the module's own dlopen loads, as it
//     would have, and that dlopen alone reports what is missing.
//   - Each library is loaded after the libraries it needs (its own dlopen
//     loads them first if the order has not), so constructors still run
//     dependencies first.
//   - The list comes from the system's own dynamic loader (`ld.so --list`,
//     what ldd runs), so it finds exactly the files the module's dlopen
//     would; fovea does not reimplement the loader's search.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fovea {

/// The files `ld.so --list` names in its output, in its order (the
/// breadth-first order in which the loader maps them): lines "NAME => PATH
/// (ADDRESS)" and "PATH (ADDRESS)"; the vDSO, "not found" and anything
/// else is left out.
std::vector<std::string> listed_libraries(std::string_view listing);

/// The shared libraries `module` needs, directly or not, as the dynamic
/// loader of this process finds them, in breadth-first order; empty if they
/// cannot be listed.
std::vector<std::string> library_dependencies(const std::string& module);

/// Loads `module`'s libraries in reverse breadth-first order (leaves
/// first), each with its own dlopen; returns how many loaded. Never loads
/// `module` itself.
size_t preload_libraries_of(const std::string& module);

} // namespace fovea
