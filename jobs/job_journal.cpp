#include "jobs/job_journal.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sstream>
#include <string_view>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

#include "jobs/journal_format.hpp"
#include "jobs/sync_directory.hpp"
#include "messages/errors.hpp"

namespace fovea {

using namespace journal_detail;

std::string journal_path(const std::string& dir, const std::string& name) {
  return dir + "/" + name + ".journal";
}

bool valid_job_name(const std::string& name) {
  if (name.empty() || name.size() > 100 || name[0] == '.')
    return false;
  for (unsigned char c : name)
    if (!std::isalnum(c) && c != '.' && c != '_' && c != '-')
      return false;
  return true;
}

// -- writing
// -------------------------------------------------------------------

caf::expected<job_journal> job_journal::open(const std::string& path,
                                             const journal_header& header,
                                             const uint64_t* resume_at,
                                             std::vector<std::string> models) {
  auto flags = O_WRONLY | O_CREAT | O_CLOEXEC | (resume_at ? 0 : O_TRUNC);
  auto fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0)
    return io_error("cannot open journal", path);
  job_journal journal{fd, path};
  auto keep = resume_at ? *resume_at : 0;
  // Cut a torn tail off, so new records follow the last intact one.
  if (::ftruncate(fd, static_cast<off_t>(keep)) != 0 ||
      ::lseek(fd, static_cast<off_t>(keep), SEEK_SET) < 0)
    return io_error("cannot prepare journal", path);
  journal.models_ = std::move(models);
  if (!resume_at) {
    std::string body{magic};
    put_u32(body, journal_format);
    body += archived(header);
    if (!frame(journal.buffer_, header_record, body))
      return make_error(errc::storage_failed,
                        path + ": the job's header is too large");
    if (auto err = journal.sync())
      return err;
    // The new file's name must survive a crash too.
    if (auto err = sync_directory(directory_of(path)))
      return err;
  }
  return journal;
}

job_journal::job_journal(int fd, std::string path)
    : fd_(fd), path_(std::move(path)) {
}

job_journal::job_journal(job_journal&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)),
      buffer_(std::move(other.buffer_)), models_(std::move(other.models_)),
      pending_records_(std::exchange(other.pending_records_, 0)),
      broken_(std::move(other.broken_)) {
}

job_journal& job_journal::operator=(job_journal&& other) noexcept {
  std::swap(fd_, other.fd_);
  std::swap(path_, other.path_);
  std::swap(buffer_, other.buffer_);
  std::swap(models_, other.models_);
  std::swap(pending_records_, other.pending_records_);
  std::swap(broken_, other.broken_);
  return *this;
}

job_journal::~job_journal() {
  if (fd_ >= 0) {
    if (broken_.empty())
      sync(); // best effort: the caller syncs, and hears of failures, before
    ::close(fd_);
  }
}

void job_journal::append(const prediction& row, const std::string& model) {
  if (!broken_.empty())
    return;
  if (!model.empty() &&
      std::find(models_.begin(), models_.end(), model) == models_.end()) {
    models_.push_back(model);
    frame(buffer_, model_record, archived(model));
  }
  if (!frame(buffer_, row_record, archived_row(row)))
    broken_ = "the result record for " + row.path + " is over " +
              std::to_string(max_record) + " bytes";
  ++pending_records_;
}

caf::error job_journal::sync() {
  if (fd_ < 0 || !broken_.empty())
    return make_error(errc::storage_failed,
                      "journal " + path_ + " is unusable: " +
                          (broken_.empty() ? "closed" : broken_));
  size_t done = 0;
  while (done < buffer_.size()) {
    auto n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      // What was written may end in half a record; reopening cuts it off.
      broken_ = std::string{"a write failed: "} + std::strerror(errno);
      return io_error("cannot write journal", path_);
    }
    done += static_cast<size_t>(n);
  }
  buffer_.clear();
  pending_records_ = 0;
  if (::fdatasync(fd_) != 0) {
    broken_ = std::string{"a sync failed: "} + std::strerror(errno);
    return io_error("cannot sync journal", path_);
  }
  return caf::none;
}

caf::error retire_journal(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return io_error("cannot remove journal", path);
  return sync_directory(directory_of(path));
}

// -- the directory's lock
// ------------------------------------------------------

caf::expected<journal_dir_lock>
journal_dir_lock::acquire(const std::string& dir) {
  auto path = dir + "/.lock";
  auto fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return io_error("cannot open", path);
  journal_dir_lock lock{fd};
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = {};
    auto n = ::pread(fd, pid, sizeof(pid) - 1, 0);
    std::string holder = n > 0 ? std::string{pid, static_cast<size_t>(n)}
                               : std::string{"another process"};
    while (!holder.empty() && holder.back() == '\n')
      holder.pop_back();
    return make_error(errc::storage_failed,
                      dir + " is in use by another coordinator (pid " + holder +
                          "): two may not share a journal directory");
  }
  auto mine = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, mine.data(), mine.size(), 0) !=
                                     static_cast<ssize_t>(mine.size()))
    return io_error("cannot write", path);
  return lock;
}

journal_dir_lock::journal_dir_lock(journal_dir_lock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)) {
}

journal_dir_lock::~journal_dir_lock() {
  if (fd_ >= 0)
    ::close(fd_);
}

} // namespace fovea
