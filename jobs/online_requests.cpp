#include "jobs/online_requests.hpp"

#include <algorithm>
#include <iterator>

namespace fovea {

namespace {

uint64_t charge_of(const image_task& task, uint64_t floor) {
  return std::max<uint64_t>(floor, task.bytes.size() + task.path.size());
}

} // namespace

online_requests::admission
online_requests::admit(uint64_t key, const std::string& principal,
                       const std::string& digest,
                       std::vector<image_task>& tasks,
                       clock::time_point now, clock::time_point deadline) {
  admission result;
  if (requests_.count(key) > 0) {
    result.why = refusal::duplicate;
    result.reason = "request " + std::to_string(key) + " is held already";
    return result;
  }
  uint64_t charge = 0;
  for (auto& task : tasks)
    charge += charge_of(task, limits_.task_floor);
  if (requests_.size() >= limits_.max_requests
      || bytes_ + charge > limits_.max_bytes) {
    result.why = refusal::full;
    result.reason = "the server holds " + std::to_string(requests_.size())
                    + " inference requests of "
                    + std::to_string(bytes_ >> 10)
                    + " KiB already (at most "
                    + std::to_string(limits_.max_requests) + " and "
                    + std::to_string(limits_.max_bytes >> 10)
                    + " KiB); try again later";
    return result;
  }
  auto& mine = per_principal_[principal];
  if (mine >= limits_.max_per_principal) {
    result.why = refusal::quota;
    result.reason = std::to_string(mine) + " requests of " + principal
                    + " wait already (at most "
                    + std::to_string(limits_.max_per_principal) + ")";
    return result;
  }
  auto [job, added] = jobs_.try_emplace(digest, first_job + jobs_.size());
  auto& next = next_index_[job->second];
  request r;
  r.principal = principal;
  r.job = job->second;
  r.first = next;
  r.rows.resize(tasks.size());
  r.have.assign(tasks.size(), false);
  r.missing = tasks.size();
  r.charge = charge;
  r.admitted = now;
  r.deadline = deadline;
  for (auto& task : tasks) {
    task.job = r.job;
    task.index = next++;
  }
  ++mine;
  bytes_ += charge;
  if (!tasks.empty())
    firsts_.emplace(task_key{r.job, r.first}, key);
  requests_.emplace(key, std::move(r));
  result.job = job->second;
  result.new_job = added;
  return result;
}

const uint64_t* online_requests::key_of(uint64_t job, uint64_t index) const {
  auto after = firsts_.upper_bound(task_key{job, index});
  if (after == firsts_.begin())
    return nullptr;
  auto& [first, key] = *std::prev(after);
  auto found = requests_.find(key);
  if (found == requests_.end() || found->second.job != job
      || index - first.second >= found->second.rows.size())
    return nullptr;
  return &key;
}

std::optional<online_requests::clock::duration>
online_requests::dispatched(uint64_t job, uint64_t index,
                            clock::time_point now) {
  auto* key = key_of(job, index);
  if (!key)
    return std::nullopt;
  auto& r = requests_.at(*key);
  if (r.sent)
    return std::nullopt;
  r.sent = true;
  return now - r.admitted;
}

std::optional<online_requests::finished>
online_requests::record(prediction row) {
  auto* key = key_of(row.job, row.index);
  if (!key)
    return std::nullopt;
  auto found = requests_.find(*key);
  auto& r = found->second;
  auto at = row.index - r.first;
  if (r.have[at])
    return std::nullopt; // an overdue copy's, or a late answer's
  r.have[at] = true;
  r.rows[at] = std::move(row);
  if (--r.missing > 0)
    return std::nullopt;
  finished done{found->first, std::move(r.rows), r.admitted};
  remove(found);
  return done;
}

bool online_requests::pending(uint64_t job, uint64_t index) const {
  auto* key = key_of(job, index);
  if (!key)
    return false;
  auto& r = requests_.at(*key);
  return !r.have[index - r.first];
}

std::vector<uint64_t> online_requests::expire(clock::time_point now) {
  std::vector<uint64_t> keys;
  for (auto& [key, r] : requests_)
    if (r.deadline <= now)
      keys.push_back(key);
  for (auto key : keys)
    remove(requests_.find(key));
  return keys;
}

bool online_requests::drop(uint64_t key) {
  auto found = requests_.find(key);
  if (found == requests_.end())
    return false;
  remove(found);
  return true;
}

void online_requests::remove(
  std::unordered_map<uint64_t, request>::iterator it) {
  auto& r = it->second;
  // A request of no tasks has no entry (and shares its first index with
  // the next request).
  auto first = firsts_.find(task_key{r.job, r.first});
  if (first != firsts_.end() && first->second == it->first)
    firsts_.erase(first);
  bytes_ -= r.charge;
  auto mine = per_principal_.find(r.principal);
  if (--mine->second == 0)
    per_principal_.erase(mine);
  requests_.erase(it);
}

} // namespace fovea
