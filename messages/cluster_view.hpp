// What a coordinator reports about its cluster, for operators (fovea shell,
// fovea run): one row per node, one row per job. Plain numbers; the shell
// does the formatting.
#pragma once

#include <cstdint>
#include <string>

#include <caf/meta/type_name.hpp>

namespace fovea {

struct node_row {
  std::string id;
  std::string role;  ///< "coordinator" or "worker"
  std::string host;  ///< the machine it runs on
  /// host:port it is reached at (a coordinator) or connects from (a worker,
  /// as its coordinator sees the connection); empty if not known
  std::string address;
  std::string model; ///< name and version (workers)
  uint32_t slots = 0;
  uint32_t in_flight = 0; ///< batches held now
  uint64_t done = 0;      ///< results recorded from it
  double rate = 0;        ///< results per second, recently
  int64_t up_since = 0;   ///< unix seconds: registered (or started)
  bool draining = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_row& x) {
  return f(caf::meta::type_name("node_row"), x.id, x.role, x.host, x.address,
           x.model, x.slots, x.in_flight, x.done, x.rate, x.up_since, x.draining);
}

struct job_row {
  uint64_t id = 0;
  std::string name;
  std::string state; ///< running, finished, cancelled, paused, failed
  uint64_t total = 0;
  uint64_t done = 0;   ///< inputs with their row
  uint64_t errors = 0; ///< of those, error rows
  double rate = 0;     ///< rows per second since it opened
  double share = 0;    ///< of the tasks in flight now, this job's fraction
  int64_t started = 0; ///< unix seconds
  double seconds = 0;  ///< wall time so far (or in all, once ended)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, job_row& x) {
  return f(caf::meta::type_name("job_row"), x.id, x.name, x.state, x.total,
           x.done, x.errors, x.rate, x.share, x.started, x.seconds);
}

} // namespace fovea
