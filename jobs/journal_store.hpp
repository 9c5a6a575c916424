// journal_store: where a coordinator's job journals live on disk, whose
// each one is, and how much of the disk they may take.
//
// Guarantees:
// - a job opened with a certificate journals under that certificate's own
//   folder (DIR/owners/NAME/JOB.journal): another certificate cannot resume
//   it, take its name or seed a journal for it; a job opened without one
//   (plain edges, clients in the coordinator's process) journals at
//   DIR/JOB.journal, as earlier releases did for every job. A journal an
//   earlier release left at DIR/JOB.journal is adopted (moved into the
//   owner's folder) by the first certificate that resumes that job with
//   the inputs it was made for (the caller's test), never by another;
// - sweep() removes journals not written for longer than the time to live,
//   except the ones named to keep (running jobs'), and tells the bytes the
//   rest take, so that a new journal can be refused past the quota;
// - every owner name is a valid certificate name (no '/' or '..'), checked
//   by peer_identity before it gets here.
// A plain class: tests/jobs/journal_store.test.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace fovea {

class journal_store {
public:
  explicit journal_store(std::string dir) : dir_(std::move(dir)) {}

  const std::string& dir() const noexcept { return dir_; }

  /// The journal of job `name` opened by `owner` ("": no certificate).
  std::string path(const std::string& owner, const std::string& name) const;

  /// For an owner's job that has no journal in its folder yet: moves one an
  /// earlier release left at DIR/JOB.journal there, if `belongs` says it
  /// is the owner's (it was made for the same inputs). Returns the path it
  /// came from, or "" if none was moved.
  std::string adopt(const std::string& owner, const std::string& name,
                    const std::function<bool(const std::string&)>& belongs)
    const;

  struct swept {
    uint64_t bytes = 0;               ///< of the journals left
    std::vector<std::string> expired; ///< removed: not written within ttl
    std::vector<std::string> failed;  ///< could not be removed, and why
  };

  /// Removes journals last written more than `ttl` before `now`, but none
  /// in `keep`; says what the rest take.
  swept sweep(std::chrono::system_clock::duration ttl,
              const std::set<std::string>& keep,
              std::chrono::system_clock::time_point now
              = std::chrono::system_clock::now()) const;

private:
  std::string dir_;
};

} // namespace fovea
