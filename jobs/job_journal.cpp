#include "jobs/job_journal.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/string.hpp>
#include <zlib.h>

#include "messages/errors.hpp"

namespace fovea {

// Boost.Serialization finds these by argument-dependent lookup.
template <class Archive>
void serialize(Archive& ar, journal_header& h, unsigned /* version */) {
  ar & h.name & h.total & h.fingerprint;
}

template <class Archive>
void serialize(Archive& ar, prediction& p, unsigned /* version */) {
  ar & p.index & p.attempt & p.path & p.label & p.class_name & p.score
    & p.worker & p.error;
}

namespace {

constexpr size_t frame_header = 8;
// No single record comes near this; a larger length is damage, not data.
constexpr uint32_t max_record = 1u << 20;
// The archives leave out Boost's own header: the frame already says what
// follows, and a header per record would double a small record's size.
constexpr auto archive_flags = boost::archive::no_header;

uint32_t checksum(const std::string& payload) {
  return static_cast<uint32_t>(
    ::crc32(0, reinterpret_cast<const Bytef*>(payload.data()),
            static_cast<uInt>(payload.size())));
}

void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i, v >>= 8)
    out.push_back(static_cast<uint8_t>(v & 0xff));
}

uint32_t get_u32(const std::string& in, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = (v << 8) | static_cast<uint8_t>(in[at + static_cast<size_t>(i)]);
  return v;
}

template <class T>
void frame(std::vector<uint8_t>& out, const T& record) {
  std::ostringstream payload;
  {
    boost::archive::binary_oarchive ar{payload, archive_flags};
    ar << record;
  }
  auto bytes = payload.str();
  put_u32(out, static_cast<uint32_t>(bytes.size()));
  put_u32(out, checksum(bytes));
  out.insert(out.end(), bytes.begin(), bytes.end());
}

template <class T>
bool unframe(const std::string& payload, T& record) {
  try {
    std::istringstream in{payload};
    boost::archive::binary_iarchive ar{in, archive_flags};
    ar >> record;
    return true;
  } catch (const std::exception&) {
    return false; // a record that passed its CRC but is not ours
  }
}

caf::error io_error(const std::string& what, const std::string& path) {
  return make_error(errc::storage_failed,
                    what + " " + path + ": " + std::strerror(errno));
}

bool read_all(const std::string& path, std::string& out) {
  auto fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  char buf[1 << 16];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0)
    out.append(buf, static_cast<size_t>(n));
  auto saved = errno;
  ::close(fd);
  errno = saved;
  return n == 0;
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

caf::expected<journal_contents> read_journal(const std::string& path) {
  std::string data;
  if (!read_all(path, data)) {
    if (errno == ENOENT)
      return make_error(errc::no_such_file, path);
    return io_error("cannot read journal", path);
  }
  journal_contents contents;
  bool have_header = false;
  size_t at = 0;
  while (at + frame_header <= data.size()) {
    auto length = get_u32(data, at);
    auto crc = get_u32(data, at + 4);
    if (length > max_record || at + frame_header + length > data.size())
      break; // torn: the crash came in the middle of this record
    auto payload = data.substr(at + frame_header, length);
    if (checksum(payload) != crc)
      break;
    bool ok = have_header ? unframe(payload, contents.rows.emplace_back())
                          : unframe(payload, contents.header);
    if (!ok) {
      if (have_header)
        contents.rows.pop_back();
      break;
    }
    have_header = true;
    at += frame_header + length;
  }
  if (!have_header)
    return make_error(errc::storage_failed,
                      path + " is not a fovea job journal (no intact header)");
  contents.valid_bytes = at;
  contents.ignored_bytes = data.size() - at;
  return contents;
}

caf::expected<job_journal> job_journal::open(const std::string& path,
                                             const journal_header& header,
                                             const journal_contents* existing) {
  auto fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return io_error("cannot open journal", path);
  job_journal journal{fd, path};
  auto keep = existing ? existing->valid_bytes : 0;
  // Cut a torn tail off, so new records follow the last intact one.
  if (::ftruncate(fd, static_cast<off_t>(keep)) != 0
      || ::lseek(fd, static_cast<off_t>(keep), SEEK_SET) < 0)
    return io_error("cannot prepare journal", path);
  if (!existing) {
    frame(journal.buffer_, header);
    if (auto err = journal.sync())
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
    pending_records_(std::exchange(other.pending_records_, 0)),
    broken_(other.broken_) {
}

job_journal& job_journal::operator=(job_journal&& other) noexcept {
  std::swap(fd_, other.fd_);
  std::swap(path_, other.path_);
  std::swap(buffer_, other.buffer_);
  std::swap(pending_records_, other.pending_records_);
  std::swap(broken_, other.broken_);
  return *this;
}

job_journal::~job_journal() {
  if (fd_ >= 0) {
    if (!broken_)
      sync(); // best effort: the caller syncs, and hears of failures, before
    ::close(fd_);
  }
}

void job_journal::append(const prediction& row) {
  frame(buffer_, row);
  ++pending_records_;
}

caf::error job_journal::sync() {
  if (fd_ < 0 || broken_)
    return make_error(errc::storage_failed,
                      "journal " + path_ + " is unusable after an error");
  size_t done = 0;
  while (done < buffer_.size()) {
    auto n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      // What was written may end in half a record; reopening cuts it off.
      broken_ = true;
      return io_error("cannot write journal", path_);
    }
    done += static_cast<size_t>(n);
  }
  buffer_.clear();
  pending_records_ = 0;
  if (::fdatasync(fd_) != 0) {
    broken_ = true;
    return io_error("cannot sync journal", path_);
  }
  return caf::none;
}

} // namespace fovea
