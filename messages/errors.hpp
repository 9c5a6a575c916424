// fovea's own error codes, carried between actors as caf::error values in the
// "fovea" category. Exceptions never cross an actor boundary; these do.
#pragma once

#include <cerrno>
#include <cstdint>
#include <string>

#include <caf/atom.hpp>
#include <caf/error.hpp>

namespace fovea {

enum class errc : uint8_t {
  unknown_job = 1,  ///< a request named a job the coordinator does not have
  invalid_request,  ///< a message's content broke the protocol's rules
  no_coordinator,   ///< the coordinator could not be reached in time
  bad_model,        ///< a model directory is missing, malformed or inconsistent
  bad_image,        ///< an input is not an image fovea can decode
  bad_config,       ///< a configuration key or file is wrong
  no_such_file,     ///< a file that was looked for is not there
  storage_failed,   ///< a journal or results file could not be written
  job_ended,        ///< the coordinator ended a job early (cancel, failure)
  not_permitted,    ///< the sender's role may not make this request
  over_limit,       ///< a request goes past one of the coordinator's limits
  wrong_version,    ///< the other node speaks another protocol version
  worker_hung,      ///< a worker answered nothing for fovea.hang-timeout
  model_unserved,   ///< no worker served a job's model for fovea.model-wait
  /// A worker's inputs' store (S3, HTTPS) did not answer: the batch is
  /// not the inputs' fault, and is sent again once the store is back.
  storage_unavailable,
  /// The coordinator holds as many inference requests as it takes: try
  /// again later (HTTP 503).
  busy,
  /// An inference request was not answered within its deadline.
  deadline_passed,
};

/// The category atom under which fovea's codes travel.
constexpr caf::atom_value error_category = caf::atom("fovea");

std::string to_string(errc code);

caf::error make_error(errc code, std::string context = {});

/// A file operation that failed: storage_failed, "FILE: WHAT: strerror".
caf::error file_error(const std::string& file, const std::string& what,
                      int number = errno);

/// Renders any caf::error for people: fovea's own codes by name with their
/// context, CAF's in CAF's words.
std::string describe(const caf::error& err);

} // namespace fovea
