// reference_reader: a worker reads the inputs that travel as references
// (shared files, S3 objects, HTTPS URLs), many at once, within what the
// worker allows.
//
// Guarantees:
//   - Only what the worker's settings allow is read: shared files beneath
//     fovea.shared-roots (shared_roots.hpp), buckets on fovea.s3-buckets
//     through fovea.s3-endpoint with the worker's own credentials
//     (s3_reference.hpp), hosts on fovea.http-hosts (https_reference.hpp).
//     Anything else is that input's error row, naming the rule; nothing
//     is fetched for it.
//   - An answer that settles an input (403, 404, a redirect, a body over
//     fovea.max-image-bytes) is its row at once. A store that does not
//     answer, or answers 5xx or 429, is asked again with backoff (0.25 s,
//     doubling, `retries` times); if one input of a batch still has no
//     answer, the whole batch is reported unavailable rather than turned
//     into error rows: the coordinator pauses the job and sends it again.
//     Until that store answers again, a read of it that fails is not
//     tried again, and a batch already known unavailable starts no more
//     reads: an outage is reported in the time of one read's tries, not
//     of every held read's in turn.
//   - At most `reads` reads are in flight per worker, each holding at
//     most fovea.max-image-bytes.
//   - Each read task comes back with its bytes or its error, exactly once,
//     as a task that is no reference any more (its path stays), with the
//     version of the object it was read from.
//   - A task naming a known_version is checked, not read, while its object
//     is still at that version: a shared file's size and modification
//     time (fstat of the opened file), an S3 object's or URL's ETag (a GET
//     with If-None-Match, answered 304 without a body).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "messages/image_task.hpp"

namespace fovea {

struct storage_settings {
  std::vector<std::string> shared_roots; ///< fovea.shared-roots
  std::string s3_endpoint;               ///< empty: no S3
  std::string s3_region = "us-east-1";
  bool s3_path_style = true;
  std::string s3_credentials; ///< a credentials file; empty: environment
  std::vector<std::string> s3_buckets;
  std::vector<std::string> http_hosts;
  std::string ca_file; ///< fovea.s3-ca, for S3 and HTTPS; empty: system
  uint32_t reads = 64; ///< in flight at once
  uint64_t max_image_bytes = 64ull << 20;
  uint32_t retries = 4;

  /// True if no reference can be read (every kind is off).
  bool none() const {
    return shared_roots.empty() && s3_endpoint.empty() && http_hosts.empty();
  }
};

class reference_reader {
public:
  /// Called once per read(): the tasks with their bytes or errors and,
  /// in step, the version of each one's object (prediction's
  /// source_version: unknown_source_version if none was learned, empty
  /// for a task that carried its bytes); or, when the store did not
  /// answer after the retries, what happened (and the tasks as given).
  /// A task whose version is its known_version and has no error was not
  /// read (or need not be classified): its object is unchanged.
  using done_fn = std::function<void(std::vector<image_task> tasks,
                                     std::vector<std::string> versions,
                                     std::string outage)>;

  /// Opens the shared roots and reads the S3 credentials (an error names
  /// the setting at fault).
  static caf::expected<std::shared_ptr<reference_reader>>
  open(const storage_settings& settings);

  ~reference_reader();
  reference_reader(const reference_reader&) = delete;
  reference_reader& operator=(const reference_reader&) = delete;

  /// Reads the bytes of `tasks`' references (tasks with bytes pass as
  /// they are); `done` runs once, on one of the reader's threads.
  void read(std::vector<image_task> tasks, done_fn done);

private:
  struct impl;
  explicit reference_reader(std::unique_ptr<impl> impl);
  std::unique_ptr<impl> impl_;
};

} // namespace fovea
