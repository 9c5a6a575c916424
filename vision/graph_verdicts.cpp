#include "vision/graph_verdicts.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string_view>
#include <vector>

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/string.hpp>
#include <libdeflate.h>

namespace fovea {

namespace {

// A verdict on disk: what it answers and what it says.
struct verdict_record {
  std::string key;
  int form = 0;
  std::string note;
};

template <class Archive>
void serialize(Archive& ar, verdict_record& r, unsigned /* version */) {
  ar& r.key& r.form& r.note;
}

constexpr std::string_view magic = "fovea-graph-verdict 1\n";
constexpr size_t max_file = 64 << 10; // a verdict is a few hundred bytes
constexpr auto archive_flags = boost::archive::no_header;

uint32_t crc_of(const std::string& bytes) {
  return libdeflate_crc32(0, bytes.data(), bytes.size());
}

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i, v >>= 8)
    out.push_back(static_cast<char>(v & 0xff));
}

uint32_t get_u32(std::string_view in) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = (v << 8) | static_cast<uint8_t>(in[static_cast<size_t>(i)]);
  return v;
}

// A folder only this user can change: created 0700 if missing.
bool private_folder(const std::filesystem::path& folder) {
  std::error_code ec;
  std::filesystem::create_directories(folder.parent_path(), ec);
  ::mkdir(folder.c_str(), 0700);
  struct stat st {};
  return ::lstat(folder.c_str(), &st) == 0 && S_ISDIR(st.st_mode) &&
         st.st_uid == ::geteuid() && (st.st_mode & 022) == 0;
}

bool hex_key(const std::string& key) {
  return key.size() == 64 && std::all_of(key.begin(), key.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Removes the oldest verdict files past max_kept_verdicts.
void prune(const std::filesystem::path& folder) {
  std::vector<std::pair<std::filesystem::file_time_type, std::filesystem::path>>
      files;
  std::error_code ec;
  for (auto& entry : std::filesystem::directory_iterator{folder, ec})
    if (entry.is_regular_file(ec) && hex_key(entry.path().filename()))
      files.emplace_back(entry.last_write_time(ec), entry.path());
  if (files.size() <= max_kept_verdicts)
    return;
  std::sort(files.begin(), files.end());
  for (size_t i = 0; i + max_kept_verdicts < files.size(); ++i)
    std::filesystem::remove(files[i].second, ec);
}

} // namespace

graph_verdicts::graph_verdicts(std::filesystem::path folder) {
  if (!folder.empty() && private_folder(folder / "graph-checks"))
    folder_ = folder / "graph-checks";
}

std::optional<graph_verdict>
graph_verdicts::find(const std::string& key) const {
  if (!on() || !hex_key(key))
    return std::nullopt;
  auto path = folder_ / key;
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return std::nullopt;
  struct stat st {};
  std::string bytes;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
      st.st_uid == ::geteuid() && static_cast<size_t>(st.st_size) <= max_file) {
    bytes.resize(static_cast<size_t>(st.st_size));
    auto n = ::read(fd, bytes.data(), bytes.size());
    bytes.resize(n < 0 ? 0 : static_cast<size_t>(n));
  }
  ::close(fd);
  std::string_view view{bytes};
  if (!view.starts_with(magic) || view.size() < magic.size() + 8)
    return std::nullopt;
  view.remove_prefix(magic.size());
  auto length = get_u32(view);
  auto crc = get_u32(view.substr(4));
  std::string payload{view.substr(8)};
  if (payload.size() != length || crc_of(payload) != crc)
    return std::nullopt;
  verdict_record record;
  try {
    std::istringstream in{payload};
    boost::archive::binary_iarchive ar{in, archive_flags};
    ar >> record;
  } catch (const std::exception&) {
    return std::nullopt; // passed its CRC, but not this build's format
  }
  if (record.key != key ||
      (record.form != static_cast<int>(graph_form::plain) &&
       record.form != static_cast<int>(graph_form::optimized)))
    return std::nullopt;
  return graph_verdict{static_cast<graph_form>(record.form),
                       std::move(record.note)};
}

std::string graph_verdicts::keep(const std::string& key,
                                 const graph_verdict& verdict) const {
  if (!on() || !hex_key(key))
    return "no folder for verdicts";
  std::ostringstream payload_out;
  {
    boost::archive::binary_oarchive ar{payload_out, archive_flags};
    verdict_record record{key, static_cast<int>(verdict.form), verdict.note};
    ar << record;
  }
  auto payload = payload_out.str();
  std::string bytes{magic};
  put_u32(bytes, static_cast<uint32_t>(payload.size()));
  put_u32(bytes, crc_of(payload));
  bytes += payload;
  auto temporary = (folder_ / ".verdict-XXXXXX").string();
  int fd = ::mkostemp(temporary.data(), O_CLOEXEC); // mode 0600
  if (fd < 0)
    return folder_.string() + ": " + std::strerror(errno);
  auto written = ::write(fd, bytes.data(), bytes.size());
  auto closed = ::close(fd);
  if (written != static_cast<ssize_t>(bytes.size()) || closed != 0 ||
      ::rename(temporary.c_str(), (folder_ / key).c_str()) != 0) {
    auto problem = folder_.string() + ": " + std::strerror(errno);
    ::unlink(temporary.c_str());
    return problem;
  }
  prune(folder_);
  return {};
}

std::filesystem::path default_cache_folder() {
  // systemd's CacheDirectory= may list several folders, split by ':'.
  if (auto* systemd = std::getenv("CACHE_DIRECTORY"); systemd && *systemd)
    return std::string{systemd}.substr(0, std::string{systemd}.find(':'));
  if (auto* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg == '/')
    return std::filesystem::path{xdg} / "fovea";
  if (auto* home = std::getenv("HOME"); home && *home == '/')
    return std::filesystem::path{home} / ".cache" / "fovea";
  return {};
}

std::filesystem::path graph_cache_folder(const std::string& setting) {
  if (setting == "off")
    return {};
  return setting.empty() ? default_cache_folder()
                         : std::filesystem::path{setting};
}

} // namespace fovea
