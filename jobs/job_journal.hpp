// job_journal: a job's recorded results on disk, so a coordinator killed
// mid-job resumes it without recomputing what it had.
//
// One file per named job, `<dir>/<name>.journal`: a header record (format
// version, name, input count, fingerprints of the input list and of its
// files' sizes and times), then result records, and a model record before
// the first result of each model (its model.pt's SHA-256). Each record is
//
//   [u32 payload length][u32 CRC-32 of payload][u8 kind][Boost archive]
//
// (little-endian), so a torn last record, left by a crash in mid-write, is
// recognised and cut off on reopening; everything before it is intact.
//
// Guarantees:
// - a journal of a format this fovea does not read is refused with a
//   message naming it, never misread; format 4 (an earlier release's) is
//   read, its rows without source versions; one left empty or with a torn header by a crash is
//   treated as absent;
// - a new journal's directory entry is synced, and so is its removal
//   (retire), so neither is undone by a crash;
// - a record larger than a reader accepts is refused when written, not
//   discovered when read;
// - reading is record by record (journal_reader): resuming a large job does
//   not hold its journal in memory;
// - records reach the disk with write() + fdatasync() when sync() is
//   called: the caller batches, trading a bounded window of recomputation
//   after a crash for not paying an fsync per result.
// The binary archive is this machine's byte order: a journal is read back
// by the coordinator that wrote it, not shipped elsewhere.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "messages/prediction.hpp"

namespace fovea {

/// The format this fovea writes; it reads format 4 too (5: rows carry the
/// version of their referenced object).
constexpr uint32_t journal_format = 5;

struct journal_header {
  std::string name;
  uint64_t total = 0;
  uint64_t fingerprint = 0; ///< of the ordered input paths
  uint64_t contents = 0;    ///< of the paths, sizes and modification times
  uint32_t top_k = 0;       ///< classes each row ranks (--top-k; 0: none)
};

/// The path of job `name`'s journal in `dir`.
std::string journal_path(const std::string& dir, const std::string& name);

/// True if `name` may name a journaled job: 1-100 of [A-Za-z0-9._-], not
/// starting with a dot (it becomes a file name).
bool valid_job_name(const std::string& name);

/// Reads a journal one record at a time.
class journal_reader {
public:
  /// Opens `path` and reads its header. Absent, empty, or with a torn
  /// header: no_such_file (a new job). Unreadable or of another format:
  /// storage_failed, naming the file and what to do.
  static caf::expected<journal_reader> open(const std::string& path);

  journal_reader(journal_reader&&) noexcept;
  journal_reader& operator=(journal_reader&&) noexcept;
  journal_reader(const journal_reader&) = delete;
  ~journal_reader();

  const journal_header& header() const noexcept { return header_; }

  /// Reads up to `max` result rows into `rows` (cleared first), and with
  /// `offsets` where each row's record starts; false once the intact
  /// records are used up (a torn or damaged tail ends them).
  bool next(std::vector<prediction>& rows, size_t max,
            std::vector<uint64_t>* offsets = nullptr);

  /// Reads the row whose record starts at `offset` (from next()), whatever
  /// has been read since; false if no intact row record starts there.
  bool row_at(uint64_t offset, prediction& row) const;

  /// The models (SHA-256) of the rows read so far.
  const std::vector<std::string>& models() const noexcept { return models_; }

  /// Where the intact records end, and what follows them: final once
  /// next() returned false.
  uint64_t valid_bytes() const noexcept { return valid_; }
  uint64_t ignored_bytes() const noexcept { return size_ - valid_; }

private:
  journal_reader(int fd, std::string path);
  bool read_record(char& kind, std::string& payload);

  int fd_ = -1;
  std::string path_;
  journal_header header_;
  std::vector<std::string> models_;
  std::string buffer_; ///< read ahead from the file, not yet consumed
  size_t at_ = 0;      ///< consumed of buffer_
  uint64_t valid_ = 0; ///< file offset after the last intact record
  uint64_t size_ = 0;  ///< the file's size
  uint32_t format_ = journal_format;
  bool ended_ = false;
};

class job_journal {
public:
  /// Opens `path` for appending. With `resume_at` (from a reader that read
  /// to the end), the intact records are kept and a torn tail cut off;
  /// without, the file is made anew with `header` and its directory synced.
  static caf::expected<job_journal>
  open(const std::string& path, const journal_header& header,
       const uint64_t* resume_at, std::vector<std::string> models = {});

  job_journal(job_journal&&) noexcept;
  job_journal& operator=(job_journal&&) noexcept;
  job_journal(const job_journal&) = delete;
  ~job_journal();

  /// Buffers one result record of model `model` (its SHA-256; empty if
  /// not known), preceded by a model record the first time it is seen.
  void append(const prediction& row, const std::string& model = {});

  /// Writes what is buffered and waits until it is on disk. An error (a
  /// full disk, say) names the file and the reason; the journal is then
  /// unusable and the job must stop.
  caf::error sync();

  size_t pending() const noexcept { return pending_records_; }

  const std::string& path() const noexcept { return path_; }

private:
  job_journal(int fd, std::string path);

  int fd_ = -1;
  std::string path_;
  std::vector<uint8_t> buffer_;
  std::vector<std::string> models_; ///< those with a model record
  size_t pending_records_ = 0;
  std::string broken_; ///< why nothing more is written, if something failed
};

/// Removes a finished job's journal (its client committed the results) and
/// syncs the directory, so the same name starts a new run.
caf::error retire_journal(const std::string& path);

/// Holds a journal directory for one coordinator: a second one that tries
/// gets an error naming the directory and the holder's pid.
class journal_dir_lock {
public:
  static caf::expected<journal_dir_lock> acquire(const std::string& dir);
  journal_dir_lock(journal_dir_lock&&) noexcept;
  journal_dir_lock& operator=(journal_dir_lock&&) = delete;
  journal_dir_lock(const journal_dir_lock&) = delete;
  ~journal_dir_lock();

private:
  explicit journal_dir_lock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

} // namespace fovea
