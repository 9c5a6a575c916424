// http_reads: many HTTP(S) GETs in flight from one thread (libcurl's multi
// interface), so that a store 20 ms away keeps a worker's model busy.
//
// Guarantees:
//   - At most `max_in_flight` transfers run at once; more wait in order.
//     Each body is held in memory only up to `max_bytes`: a larger one
//     (declared by Content-Length or actually sent) is cut off and
//     reported as too large, never read whole.
//   - A request goes to its URL and nowhere else: redirects are never
//     followed (a 3xx is an answer, naming where it pointed), only the
//     schemes the request allows are spoken, and TLS peers are verified
//     against the system's store or the request's CA file.
//   - Every request's callback runs exactly once, on the reader's thread:
//     with the body, or with what went wrong and whether trying again may
//     help (a refused connection, a timeout, 5xx, 429); the destructor
//     fails what is left ("the reader stopped") before it returns.
//   - Nothing here logs: headers may carry credentials.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace fovea {

struct get_request {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  uint64_t max_bytes = 64ull << 20;
  bool allow_plain_http = false; ///< the operator's own endpoint only
  std::string ca_file;           ///< empty: the system's store
  /// Not started before then (a retry's backoff). A request with one goes
  /// ahead of those without: a retry does not wait behind every read
  /// queued since its first try.
  std::chrono::steady_clock::time_point not_before{};
  /// Asked just before the transfer would start; false: it is not started,
  /// and its callback gets `skipped` (its batch failed already, say).
  std::function<bool()> still_wanted;
};

struct get_response {
  long status = 0; ///< 0: no HTTP answer (see `error`)
  std::vector<uint8_t> body;
  std::string etag;       ///< as the server sent it, quotes included
  std::string location;   ///< of a 3xx
  std::string error;      ///< empty, or why there is no usable answer
  bool transient = false; ///< worth trying again later
  bool too_large = false; ///< over max_bytes
  bool skipped = false;   ///< not started: still_wanted said no
};

class http_reads {
public:
  using callback = std::function<void(get_response)>;

  explicit http_reads(size_t max_in_flight);
  ~http_reads();
  http_reads(const http_reads&) = delete;
  http_reads& operator=(const http_reads&) = delete;

  /// Queues a GET; `done` runs once, on the reader's thread.
  void get(get_request request, callback done);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// What an answer means for an input: "" when it is a body to use, else
/// the reason for its row ("404 Not Found (NoSuchKey)").
std::string http_problem(const get_response& response);

} // namespace fovea
