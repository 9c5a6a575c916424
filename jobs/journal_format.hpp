// The job journal's bytes on disk, shared by its reader (journal_reader.cpp)
// and its writer (job_journal.cpp): record kinds, framing, limits and the
// Boost.Serialization of its records. Inside jobs/ only.
#pragma once

#include <cerrno>
#include <cstring>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <zlib.h>

#include "jobs/job_journal.hpp"
#include "messages/errors.hpp"

namespace fovea {

// Boost.Serialization finds these by argument-dependent lookup.
template <class Archive>
void serialize(Archive& ar, journal_header& h, unsigned /* version */) {
  ar& h.name& h.total& h.fingerprint& h.contents& h.top_k;
}

// A row as format 4 wrote it; format 5 appends its source version
// (journal_detail::archived_row).
template <class Archive>
void serialize(Archive& ar, prediction& p, unsigned /* version */) {
  ar& p.index& p.attempt& p.path& p.label& p.class_name& p.score& p.worker& p
      .error& p.model& p.top_labels& p.top_scores;
}

namespace journal_detail {

constexpr size_t frame_header = 8;
// No record comes near this; a larger length is damage, not data, and a
// record this large is refused when written.
constexpr uint32_t max_record = 1u << 20;
// The archives leave out Boost's own header: the frame already says what
// follows, and a header per record would double a small record's size.
constexpr auto archive_flags = boost::archive::no_header;
// What a header record starts with, after its kind: then the format.
constexpr std::string_view magic = "fovea-journal\n";

enum record_kind : char {
  header_record = 'H',
  row_record = 'R',
  model_record = 'M'
};

inline uint32_t checksum(const char* data, size_t size) {
  return static_cast<uint32_t>(::crc32(0, reinterpret_cast<const Bytef*>(data),
                                       static_cast<uInt>(size)));
}

inline void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i, v >>= 8)
    out.push_back(static_cast<char>(v & 0xff));
}

inline uint32_t get_u32(const std::string& in, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = (v << 8) | static_cast<uint8_t>(in[at + static_cast<size_t>(i)]);
  return v;
}

template <class T>
inline std::string archived(const T& record) {
  std::ostringstream payload;
  {
    boost::archive::binary_oarchive ar{payload, archive_flags};
    ar << record;
  }
  return payload.str();
}

template <class T>
inline bool unarchive(const std::string& payload, size_t from, T& record) {
  try {
    std::istringstream in{payload.substr(from)};
    boost::archive::binary_iarchive ar{in, archive_flags};
    ar >> record;
    return true;
  } catch (const std::exception&) {
    return false; // a record that passed its CRC but is not ours
  }
}

// The oldest format this fovea still reads: format 4's rows lack their
// source version, which reads as empty (a pushed input's).
constexpr uint32_t oldest_journal_format = 4;

inline std::string archived_row(const prediction& row) {
  std::ostringstream payload;
  {
    boost::archive::binary_oarchive ar{payload, archive_flags};
    ar << row << row.source_version;
  }
  return payload.str();
}

inline bool unarchive_row(const std::string& payload, uint32_t format,
                          prediction& row) {
  try {
    std::istringstream in{payload};
    boost::archive::binary_iarchive ar{in, archive_flags};
    ar >> row;
    if (format >= 5)
      ar >> row.source_version;
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// Frames a record's payload (kind first); false if it is too large for a
// reader to accept.
inline bool frame(std::vector<uint8_t>& out, char kind,
                  const std::string& body) {
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

inline caf::error io_error(const std::string& what, const std::string& path) {
  return make_error(errc::storage_failed,
                    what + " " + path + ": " + std::strerror(errno));
}

} // namespace journal_detail

} // namespace fovea
