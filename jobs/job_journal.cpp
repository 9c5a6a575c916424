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

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/string.hpp>
#include <zlib.h>

#include "jobs/sync_directory.hpp"
#include "messages/errors.hpp"

namespace fovea {

// Boost.Serialization finds these by argument-dependent lookup.
template <class Archive>
void serialize(Archive& ar, journal_header& h, unsigned /* version */) {
  ar & h.name & h.total & h.fingerprint & h.contents;
}

template <class Archive>
void serialize(Archive& ar, prediction& p, unsigned /* version */) {
  ar & p.index & p.attempt & p.path & p.label & p.class_name & p.score
    & p.worker & p.error;
}

namespace {

constexpr size_t frame_header = 8;
// No record comes near this; a larger length is damage, not data, and a
// record this large is refused when written.
constexpr uint32_t max_record = 1u << 20;
// The archives leave out Boost's own header: the frame already says what
// follows, and a header per record would double a small record's size.
constexpr auto archive_flags = boost::archive::no_header;
// What a header record starts with, after its kind: then the format.
constexpr std::string_view magic = "fovea-journal\n";

enum record_kind : char { header_record = 'H', row_record = 'R',
                          model_record = 'M' };

uint32_t checksum(const char* data, size_t size) {
  return static_cast<uint32_t>(
    ::crc32(0, reinterpret_cast<const Bytef*>(data), static_cast<uInt>(size)));
}

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i, v >>= 8)
    out.push_back(static_cast<char>(v & 0xff));
}

uint32_t get_u32(const std::string& in, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = (v << 8) | static_cast<uint8_t>(in[at + static_cast<size_t>(i)]);
  return v;
}

template <class T>
std::string archived(const T& record) {
  std::ostringstream payload;
  {
    boost::archive::binary_oarchive ar{payload, archive_flags};
    ar << record;
  }
  return payload.str();
}

template <class T>
bool unarchive(const std::string& payload, size_t from, T& record) {
  try {
    std::istringstream in{payload.substr(from)};
    boost::archive::binary_iarchive ar{in, archive_flags};
    ar >> record;
    return true;
  } catch (const std::exception&) {
    return false; // a record that passed its CRC but is not ours
  }
}

// Frames a record's payload (kind first); false if it is too large for a
// reader to accept.
bool frame(std::vector<uint8_t>& out, char kind, const std::string& body) {
  std::string payload(1, kind);
  payload += body;
  if (payload.size() > max_record)
    return false;
  std::string head;
  put_u32(head, static_cast<uint32_t>(payload.size()));
  put_u32(head, checksum(payload.data(), payload.size()));
  out.insert(out.end(), head.begin(), head.end());
  out.insert(out.end(), payload.begin(), payload.end());
  return true;
}

caf::error io_error(const std::string& what, const std::string& path) {
  return make_error(errc::storage_failed,
                    what + " " + path + ": " + std::strerror(errno));
}

} // namespace

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

// -- reading -------------------------------------------------------------------

journal_reader::journal_reader(int fd, std::string path)
  : fd_(fd), path_(std::move(path)) {
}

journal_reader::journal_reader(journal_reader&& other) noexcept
  : fd_(std::exchange(other.fd_, -1)),
    path_(std::move(other.path_)),
    header_(std::move(other.header_)),
    models_(std::move(other.models_)),
    buffer_(std::move(other.buffer_)),
    at_(other.at_),
    valid_(other.valid_),
    size_(other.size_),
    ended_(other.ended_) {
}

journal_reader& journal_reader::operator=(journal_reader&& other) noexcept {
  std::swap(fd_, other.fd_);
  path_ = std::move(other.path_);
  header_ = std::move(other.header_);
  models_ = std::move(other.models_);
  buffer_ = std::move(other.buffer_);
  at_ = other.at_;
  valid_ = other.valid_;
  size_ = other.size_;
  ended_ = other.ended_;
  return *this;
}

journal_reader::~journal_reader() {
  if (fd_ >= 0)
    ::close(fd_);
}

// The next intact record; false at the end of the intact ones.
bool journal_reader::read_record(char& kind, std::string& payload) {
  constexpr size_t chunk = 1u << 20;
  auto fill = [&](size_t need) {
    if (at_ > chunk) { // keep the buffer about one chunk long
      buffer_.erase(0, at_);
      at_ = 0;
    }
    char buf[1 << 16];
    while (buffer_.size() - at_ < need) {
      auto n = ::read(fd_, buf, sizeof(buf));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return false; // the end, or an error: what follows is not intact
      buffer_.append(buf, static_cast<size_t>(n));
    }
    return true;
  };
  if (ended_ || !fill(frame_header))
    return false;
  auto length = get_u32(buffer_, at_);
  auto crc = get_u32(buffer_, at_ + 4);
  if (length == 0 || length > max_record || !fill(frame_header + length)
      || checksum(buffer_.data() + at_ + frame_header, length) != crc)
    return false;
  kind = buffer_[at_ + frame_header];
  payload.assign(buffer_, at_ + frame_header + 1, length - 1);
  at_ += frame_header + length;
  valid_ += frame_header + length;
  return true;
}

caf::expected<journal_reader> journal_reader::open(const std::string& path) {
  auto fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return make_error(errc::no_such_file, path);
    return io_error("cannot read journal", path);
  }
  journal_reader reader{fd, path};
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return io_error("cannot read journal", path);
  reader.size_ = static_cast<uint64_t>(st.st_size);
  char kind = 0;
  std::string payload;
  // Empty, or a header torn by a crash while the journal was being made:
  // no result was ever recorded in it, so the job is new.
  if (!reader.read_record(kind, payload))
    return make_error(errc::no_such_file, path + " (empty or torn header)");
  auto advice = "; finish its job with the fovea that wrote it, or remove "
                "the file to run the job afresh";
  if (kind != header_record || payload.compare(0, magic.size(), magic) != 0)
    return make_error(errc::storage_failed,
                      path + " is not a fovea job journal of format "
                        + std::to_string(journal_format)
                        + " (an older fovea's?)" + advice);
  auto format = payload.size() >= magic.size() + 4
                  ? get_u32(payload, magic.size())
                  : 0;
  if (format != journal_format)
    return make_error(errc::storage_failed,
                      path + " is a job journal of format "
                        + std::to_string(format) + "; this fovea reads format "
                        + std::to_string(journal_format) + advice);
  if (!unarchive(payload, magic.size() + 4, reader.header_))
    return make_error(errc::storage_failed,
                      path + ": its header cannot be read" + advice);
  return reader;
}

bool journal_reader::next(std::vector<prediction>& rows, size_t max) {
  rows.clear();
  char kind = 0;
  std::string payload;
  while (rows.size() < max) {
    auto before = valid_;
    if (!read_record(kind, payload)) {
      ended_ = true;
      break;
    }
    bool ok = false;
    if (kind == row_record)
      ok = unarchive(payload, 0, rows.emplace_back());
    else if (kind == model_record)
      ok = unarchive(payload, 0, models_.emplace_back());
    if (!ok) { // intact but not ours: damage; stop before it
      if (kind == row_record)
        rows.pop_back();
      else if (kind == model_record)
        models_.pop_back();
      valid_ = before;
      ended_ = true;
      break;
    }
  }
  return !rows.empty() || !ended_;
}

// -- writing -------------------------------------------------------------------

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
  if (::ftruncate(fd, static_cast<off_t>(keep)) != 0
      || ::lseek(fd, static_cast<off_t>(keep), SEEK_SET) < 0)
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
  : fd_(std::exchange(other.fd_, -1)),
    path_(std::move(other.path_)),
    buffer_(std::move(other.buffer_)),
    models_(std::move(other.models_)),
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
  if (!model.empty()
      && std::find(models_.begin(), models_.end(), model) == models_.end()) {
    models_.push_back(model);
    frame(buffer_, model_record, archived(model));
  }
  if (!frame(buffer_, row_record, archived(row)))
    broken_ = "the result record for " + row.path + " is over "
              + std::to_string(max_record) + " bytes";
  ++pending_records_;
}

caf::error job_journal::sync() {
  if (fd_ < 0 || !broken_.empty())
    return make_error(errc::storage_failed,
                      "journal " + path_ + " is unusable: "
                        + (broken_.empty() ? "closed" : broken_));
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

// -- the directory's lock ------------------------------------------------------

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
                      dir + " is in use by another coordinator (pid "
                        + holder + "): two may not share a journal directory");
  }
  auto mine = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0
      || ::pwrite(fd, mine.data(), mine.size(), 0)
           != static_cast<ssize_t>(mine.size()))
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
