// reference_inputs: inputs by reference from a process's configuration:
// how a client's walk treats them (`--shared` paths, s3:// prefixes), and
// the reader a worker reads them with.
//
// Guarantees:
//   - An s3:// prefix is listed by the client, page by page, through the
//     client's own fovea.s3-endpoint and credentials (which never leave
//     it): the client sees the bucket, or the listing's failure is one
//     input's error row naming the prefix and the reason.
//   - A listing's keys, in order, are the job's input list (its
//     fingerprint); whether each object changed is not the client's
//     question: the worker that reads it records its ETag, and a resumed
//     job has its rows checked against it (jobs/resumed_references.hpp).
#pragma once

#include <memory>

#include <caf/expected.hpp>

#include "app/fovea_config.hpp"
#include "jobs/input_walker.hpp"
#include "storage/reference_reader.hpp"

namespace fovea {

walk_options reference_walk(const fovea_config& cfg, bool shared);

/// The reader a worker process reads references with, from its settings:
/// null if it reads none (no shared root, S3 endpoint or HTTPS host), or
/// a message for people naming the setting at fault.
caf::expected<std::shared_ptr<reference_reader>>
worker_reference_reader(const fovea_config& cfg);

} // namespace fovea
