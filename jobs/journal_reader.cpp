#include "jobs/job_journal.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

#include "jobs/journal_format.hpp"

namespace fovea {

using namespace journal_detail;

// -- reading
// -------------------------------------------------------------------

journal_reader::journal_reader(int fd, std::string path)
    : fd_(fd), path_(std::move(path)) {
}

journal_reader::journal_reader(journal_reader&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)),
      header_(std::move(other.header_)), models_(std::move(other.models_)),
      buffer_(std::move(other.buffer_)), at_(other.at_), valid_(other.valid_),
      size_(other.size_), format_(other.format_), ended_(other.ended_) {
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
  format_ = other.format_;
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
  if (length == 0 || length > max_record || !fill(frame_header + length) ||
      checksum(buffer_.data() + at_ + frame_header, length) != crc)
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
                      path + " is not a fovea job journal of format " +
                          std::to_string(journal_format) +
                          " (an older fovea's?)" + advice);
  auto format =
      payload.size() >= magic.size() + 4 ? get_u32(payload, magic.size()) : 0;
  if (format < oldest_journal_format || format > journal_format)
    return make_error(errc::storage_failed,
                      path + " is a job journal of format " +
                          std::to_string(format) +
                          "; this fovea reads formats " +
                          std::to_string(oldest_journal_format) + " to " +
                          std::to_string(journal_format) + advice);
  // Rows appended to an older format's journal are read in its format
  // too: a job begun by an older fovea resumes as that one did.
  reader.format_ = format;
  if (!unarchive(payload, magic.size() + 4, reader.header_))
    return make_error(errc::storage_failed,
                      path + ": its header cannot be read" + advice);
  return reader;
}

bool journal_reader::next(std::vector<prediction>& rows, size_t max,
                          std::vector<uint64_t>* offsets) {
  rows.clear();
  if (offsets)
    offsets->clear();
  char kind = 0;
  std::string payload;
  while (rows.size() < max) {
    auto before = valid_;
    if (!read_record(kind, payload)) {
      ended_ = true;
      break;
    }
    bool ok = false;
    if (kind == row_record) {
      ok = unarchive_row(payload, format_, rows.emplace_back());
      if (ok && offsets)
        offsets->push_back(before);
    }
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

bool journal_reader::row_at(uint64_t offset, prediction& row) const {
  auto read_at = [this](std::string& out, size_t size, uint64_t at) {
    out.resize(size);
    size_t got = 0;
    while (got < size) {
      auto n = ::pread(fd_, out.data() + got, size - got,
                       static_cast<off_t>(at + got));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return false;
      got += static_cast<size_t>(n);
    }
    return true;
  };
  std::string head;
  if (!read_at(head, frame_header, offset))
    return false;
  auto length = get_u32(head, 0);
  std::string payload;
  if (length < 2 || length > max_record ||
      !read_at(payload, length, offset + frame_header) ||
      checksum(payload.data(), length) != get_u32(head, 4) ||
      payload[0] != row_record)
    return false;
  return unarchive_row(payload.substr(1), format_, row);
}

} // namespace fovea
