// A job's inputs as its client sends them: passes in the same order, as
// many as needed, and what the first pass counted.
//
// A client needs the job's size and fingerprints before it submits (the
// coordinator checks a resume against them) and the inputs themselves
// after, so it passes over them twice rather than hold them: a list of
// 10M paths costs a client the same memory as a list of ten. The census
// is what a later pass must give again; a pass that does not (a list or
// directory changed in between) fails its job rather than send other
// inputs under the same indices.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "jobs/input_walker.hpp"

namespace fovea {

struct job_inputs {
  /// Opens a fresh pass, from the first input.
  std::function<std::unique_ptr<input_source>()> open;
  uint64_t total = 0;       ///< inputs in a pass
  uint64_t fingerprint = 0; ///< input_fingerprint_builder::paths of a pass
  uint64_t contents = 0;    ///< input_fingerprint_builder::contents of it
};

/// The inputs the arguments name, counted by one pass of an input_walk,
/// with what that pass left out (for the job's summary).
struct walked_inputs {
  job_inputs inputs;
  std::vector<std::string> not_images;
  std::vector<std::string> linked_directories;
};
walked_inputs walk_inputs(std::vector<std::string> args,
                          walk_options options = {});

/// Inputs already in memory (tests; jobs built by a program).
job_inputs inputs_in_memory(std::vector<input_item> items);

} // namespace fovea
