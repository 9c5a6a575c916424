// job_ledger: which inputs of one job have their result recorded.
//
// The coordinator's guarantee in one place: every input of a job is recorded
// at most once (the first result wins; later ones for the same input, from a
// retry or a slow worker, are refused), and the job is finished exactly when
// every input is recorded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fovea {

class job_ledger {
public:
  job_ledger(std::string name, uint64_t total)
    : name_(std::move(name)), recorded_(total, false) {
  }

  /// Marks input `index` as recorded. False if it already was, or if the job
  /// has no such input: the caller must then drop the result.
  bool record(uint64_t index) {
    if (index >= recorded_.size() || recorded_[index])
      return false;
    recorded_[index] = true;
    ++count_;
    return true;
  }

  bool recorded(uint64_t index) const {
    return index < recorded_.size() && recorded_[index];
  }

  const std::string& name() const noexcept { return name_; }
  uint64_t total() const noexcept { return recorded_.size(); }
  uint64_t count() const noexcept { return count_; }
  bool finished() const noexcept { return count_ == recorded_.size(); }

private:
  std::string name_;
  std::vector<bool> recorded_;
  uint64_t count_ = 0;
};

} // namespace fovea
