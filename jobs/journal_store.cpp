#include "jobs/journal_store.hpp"

#include <filesystem>

#include "jobs/job_journal.hpp"

namespace fovea {

namespace fs = std::filesystem;

namespace {

const std::string suffix = ".journal";

bool is_journal(const fs::directory_entry& entry) {
  auto name = entry.path().filename().string();
  return entry.is_regular_file() && name.size() > suffix.size()
         && name.compare(name.size() - suffix.size(), suffix.size(), suffix)
              == 0;
}

} // namespace

std::string journal_store::path(const std::string& owner,
                                const std::string& name) const {
  if (owner.empty())
    return journal_path(dir_, name);
  return journal_path(dir_ + "/owners/" + owner, name);
}

std::string journal_store::adopt(
  const std::string& owner, const std::string& name,
  const std::function<bool(const std::string&)>& belongs) const {
  if (owner.empty())
    return {};
  std::error_code ec;
  auto mine = path(owner, name);
  auto legacy = journal_path(dir_, name);
  if (fs::exists(mine, ec) || !fs::exists(legacy, ec) || !belongs(legacy))
    return {};
  fs::create_directories(fs::path{mine}.parent_path(), ec);
  fs::rename(legacy, mine, ec);
  return ec ? std::string{} : legacy;
}

journal_store::swept
journal_store::sweep(std::chrono::system_clock::duration ttl,
                     const std::set<std::string>& keep,
                     std::chrono::system_clock::time_point now) const {
  swept result;
  std::error_code ec;
  // The top folder and each owner's: journals are never deeper.
  std::vector<fs::path> folders{dir_};
  for (fs::directory_iterator owners{fs::path{dir_} / "owners", ec}, end;
       !ec && owners != end; owners.increment(ec))
    if (owners->is_directory(ec))
      folders.push_back(owners->path());
  for (auto& folder : folders) {
    for (fs::directory_iterator entries{folder, ec}, end;
         !ec && entries != end; entries.increment(ec)) {
      if (!is_journal(*entries))
        continue;
      auto file = entries->path().string();
      std::error_code stat;
      auto size = entries->file_size(stat);
      auto written = entries->last_write_time(stat);
      if (stat)
        continue; // gone meanwhile
      auto age = now - std::chrono::file_clock::to_sys(written);
      if (keep.count(file) == 0 && age > ttl) {
        std::error_code removed;
        if (fs::remove(file, removed))
          result.expired.push_back(file);
        else
          result.failed.push_back(file + ": " + removed.message());
        if (!removed)
          continue;
      }
      result.bytes += size;
    }
  }
  return result;
}

} // namespace fovea
