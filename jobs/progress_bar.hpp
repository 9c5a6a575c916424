// progress_bar: "[#####     ] 120/200  60%  480 img/s  ETA 0:00:01" on a
// terminal's stderr, redrawn at most ten times a second; silent otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>

namespace fovea {

class progress_bar {
public:
  progress_bar(uint64_t total, bool enabled, std::FILE* out = stderr);

  void advance(uint64_t n = 1);

  /// Draws the final state and ends the line.
  void finish();

private:
  void draw();

  using clock = std::chrono::steady_clock;
  uint64_t total_;
  uint64_t done_ = 0;
  bool enabled_;
  std::FILE* out_;
  clock::time_point started_ = clock::now();
  clock::time_point drawn_{};
};

} // namespace fovea
