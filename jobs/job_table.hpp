// job_table: the jobs a coordinator runs, the last ones that ended, and
// the finished ones whose journal waits for their client's commit.
//
// Guarantees:
//   - job ids are issued here only, rising from 1, and never reused: a late
//     message for a job that ended finds nothing rather than a newer job;
//   - a job is running or it has ended, never both: finish() is the only way
//     out of the running table and into the history, in one step;
//   - the history keeps the `history` newest ended jobs, newest last; the
//     one that falls off is handed back (what it held, such as a metrics
//     series, goes with it);
//   - at most `most_committable` ended jobs wait for a commit, oldest let go
//     first (its journal simply stays, and a resubmit resumes from it);
//     a commit is taken once.
// A plain class template (the coordinator's entries hold actor handles; the
// tests use strings), with no actors inside.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <utility>

namespace fovea {

template <class Running, class Ended, class Commit>
class job_table {
public:
  explicit job_table(size_t history = 100, size_t most_committable = 1024)
    : history_limit_(history), commit_limit_(most_committable) {}

  /// The id the next job opened will get.
  uint64_t next_id() const noexcept { return next_id_; }

  /// Opens a job: its new id.
  uint64_t open(Running entry) {
    auto id = next_id_++;
    running_.emplace(id, std::move(entry));
    return id;
  }

  /// The running job `id`, or null (never opened, or ended).
  Running* find(uint64_t id) {
    auto it = running_.find(id);
    return it == running_.end() ? nullptr : &it->second;
  }
  const Running* find(uint64_t id) const {
    return const_cast<job_table*>(this)->find(id);
  }

  /// The running job `id`; throws std::out_of_range if it is not running
  /// (for callers that know it is).
  Running& at(uint64_t id) { return running_.at(id); }

  size_t running() const noexcept { return running_.size(); }

  /// (id, entry) pairs of the running jobs, oldest first.
  auto begin() { return running_.begin(); }
  auto end() { return running_.end(); }
  auto begin() const { return running_.begin(); }
  auto end() const { return running_.end(); }

  /// Ends the running job `id`: it leaves the running table and `ended`
  /// joins the history, with `commit` if its journal waits for one.
  /// Returns the history entry that fell off, if one did. A job not
  /// running is left alone (nothing is returned).
  std::optional<Ended> finish(uint64_t id, Ended ended,
                              std::optional<Commit> commit = std::nullopt) {
    auto it = running_.find(id);
    if (it == running_.end())
      return std::nullopt;
    running_.erase(it);
    if (commit) {
      commits_.insert_or_assign(id, std::move(*commit));
      if (commits_.size() > commit_limit_)
        commits_.erase(commits_.begin());
    }
    history_.push_back(std::move(ended));
    if (history_.size() <= history_limit_)
      return std::nullopt;
    auto dropped = std::move(history_.front());
    history_.pop_front();
    return dropped;
  }

  /// The ended jobs kept, oldest first.
  const std::deque<Ended>& history() const noexcept { return history_; }

  /// What ended job `id` waits for to be committed, or null.
  const Commit* commit_of(uint64_t id) const {
    auto it = commits_.find(id);
    return it == commits_.end() ? nullptr : &it->second;
  }

  /// Takes job `id`'s commit (it is not offered again).
  std::optional<Commit> take_commit(uint64_t id) {
    auto it = commits_.find(id);
    if (it == commits_.end())
      return std::nullopt;
    auto commit = std::move(it->second);
    commits_.erase(it);
    return commit;
  }

private:
  size_t history_limit_;
  size_t commit_limit_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, Running> running_;
  std::deque<Ended> history_;
  std::map<uint64_t, Commit> commits_; ///< by job id, so oldest first
};

} // namespace fovea
