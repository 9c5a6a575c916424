// job_journal: a job's recorded results on disk, so a coordinator killed
// mid-job resumes it without recomputing what it had.
//
// One file per named job, `<dir>/<name>.journal`: a header record (name,
// input count, fingerprint of the input list), then one record per result.
// Each record is a Boost.Serialization binary archive framed as
//
//   [u32 payload length][u32 CRC-32 of payload][payload]
//
// (little-endian), so a torn last record, left by a crash in mid-write, is
// recognised and cut off on reopening; everything before it is intact.
// Records are buffered and reach the disk with write() + fdatasync() when
// sync() is called: the caller batches, trading a bounded window of
// recomputation after a crash for not paying an fsync per result. The
// binary archive is this machine's byte order: a journal is read back by
// the coordinator that wrote it, not shipped elsewhere.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "messages/prediction.hpp"

namespace fovea {

struct journal_header {
  std::string name;
  uint64_t total = 0;
  uint64_t fingerprint = 0; ///< of the ordered input paths (input_fingerprint)
};

struct journal_contents {
  journal_header header;
  std::vector<prediction> rows; ///< job ids are 0; indices as recorded
  uint64_t valid_bytes = 0;     ///< where the intact records end
  uint64_t ignored_bytes = 0;   ///< a torn or damaged tail, cut off
};

/// The path of job `name`'s journal in `dir`.
std::string journal_path(const std::string& dir, const std::string& name);

/// True if `name` may name a journaled job: 1-100 of [A-Za-z0-9._-], not
/// starting with a dot (it becomes a file name).
bool valid_job_name(const std::string& name);

/// Reads a journal. An absent file is an error of its own (no_such_file)
/// so callers can tell "new job" from "unreadable".
caf::expected<journal_contents> read_journal(const std::string& path);

class job_journal {
public:
  /// Opens `path` for appending. If it holds a journal, its intact records
  /// are kept and a torn tail cut off; otherwise `header` is written first.
  /// `existing` (if the file had records) must already have been read.
  static caf::expected<job_journal>
  open(const std::string& path, const journal_header& header,
       const journal_contents* existing);

  job_journal(job_journal&&) noexcept;
  job_journal& operator=(job_journal&&) noexcept;
  job_journal(const job_journal&) = delete;
  ~job_journal();

  /// Buffers one result record.
  void append(const prediction& row);

  /// Writes what is buffered and waits until it is on disk. An error (a
  /// full disk, say) names the file and the reason; the journal is then
  /// unusable and the job must stop.
  caf::error sync();

  size_t pending() const noexcept { return pending_records_; }

private:
  job_journal(int fd, std::string path);

  int fd_ = -1;
  std::string path_;
  std::vector<uint8_t> buffer_;
  size_t pending_records_ = 0;
  bool broken_ = false; ///< a write or sync failed: nothing more is written
};

} // namespace fovea
