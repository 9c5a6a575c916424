// fovea node --config FILE [--fovea.key=value ...]
//
// Starts a coordinator or a worker, as the config's fovea.role says, prints
// one ready line, and runs until SIGINT or SIGTERM. A worker drains first:
// it finishes the batches it holds, takes no more, then leaves; a second
// signal stops it at once.
#include <atomic>
#include <filesystem>
#include <malloc.h>
#include <optional>
#include <unistd.h>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>

#include "actors/coordinator.hpp"
#include "actors/inference.hpp"
#include "actors/remote.hpp"
#include "actors/worker.hpp"
#include "app/command_line.hpp"
#include "app/console.hpp"
#include "app/fovea_config.hpp"
#include "app/lifetime.hpp"
#include "app/node_edge.hpp"
#include "app/node_http.hpp"
#include "app/node_oip.hpp"
#include "app/node_roles.hpp"
#include "app/subcommands.hpp"
#include "jobs/job_journal.hpp"
#include "messages/errors.hpp"
#include "vision/model.hpp"
#include "vision/model_repository.hpp"

namespace fovea {

namespace {

// Where a coordinator listens: through its edge (attached to CAF, which it
// hands each connection over a socket pair), or, with fovea.edge = false,
// CAF itself. Returns the port, or nothing after saying why.
std::optional<uint16_t> listen(caf::actor_system& sys, fovea_config& cfg,
                               edge* front, const coordinator_actor& handle) {
  auto cannot = [&](const std::string& why) {
    complain("fovea node: cannot listen on " + cfg.host + ":"
             + std::to_string(cfg.port) + ": " + why
             + " (is another node using that port?)");
    return std::nullopt;
  };
  if (!front) {
    // SO_REUSEADDR, so that a coordinator restarted after a crash gets its
    // port back while old connections linger in TIME_WAIT.
    auto port = sys.middleman().publish(handle, cfg.port, cfg.host.c_str(),
                                        true);
    if (!port)
      return cannot(sys.render(port.error()));
    return *port;
  }
  std::string problem;
  auto port = front->listen(cfg.host, cfg.port, problem);
  if (!port)
    return cannot(problem);
  return port;
}

} // namespace

int run_coordinator(fovea_config& cfg) {
  auto id = cfg.node_id();
  // Image buffers are large and short-lived. Past glibc's first free of
  // one, its dynamic threshold keeps chunks of up to 32 MB on the heap,
  // where freed ones stay resident: with 3 MB images the coordinator then
  // held 2-3 times fovea.max-queued-bytes (343 MB at 64 MB; 146 MB with
  // this). Buffers of 256 KiB and more are mapped and unmapped instead.
  ::mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  // Hold the journal directory for this node's life: two coordinators
  // sharing one would resume each other's jobs and interleave records.
  std::optional<journal_dir_lock> journal_lock;
  if (!cfg.journal_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(cfg.journal_dir, ec);
    if (ec || ::access(cfg.journal_dir.c_str(), W_OK) != 0) {
      complain("fovea node: fovea.journal-dir: cannot write to "
               + cfg.journal_dir
               + (ec ? ": " + ec.message() : std::string{}));
      return 2;
    }
    auto lock = journal_dir_lock::acquire(cfg.journal_dir);
    if (!lock) {
      complain("fovea node: fovea.journal-dir: " + describe(lock.error()));
      return 2;
    }
    journal_lock.emplace(std::move(*lock));
  }
  // Check the TLS files and the address before anything listens: beyond
  // loopback, a coordinator without a certificate is open to anyone.
  auto tls = !cfg.certificate.empty();
  auto loopback = is_loopback(cfg.host);
  if (!cfg.edge && !loopback) {
    complain("fovea node: fovea.edge = false is for loopback only; fovea.host "
             "= " + cfg.host + " is not");
    return 2;
  }
  if (!tls && !loopback && !cfg.insecure) {
    complain("fovea node: fovea.host = " + cfg.host
             + " is not a loopback address and this coordinator has no "
               "certificate: anyone who reaches it could submit, cancel, "
               "drain or join as a worker. Give it fovea.certificate, "
               "fovea.key and fovea.ca (fovea certs makes them), or set "
               "fovea.insecure = true on a network you trust");
    return 2;
  }
  auto opened = open_edge(cfg, node_kind::coordinator, "fovea node",
                         [id](const std::string& line) {
                           say(id + ": " + line);
                         });
  if (!opened)
    return 2;
  auto front = std::move(*opened); // outlives the actor system
  auto http = open_http(cfg, id, "coordinator"); // outlives it too
  if (!http)
    return 2;
  if (!tls && !loopback)
    complain("fovea node: WARNING: fovea.insecure: coordinator " + id
             + " listens on " + cfg.host
             + " without TLS; anyone who reaches it can submit, cancel, "
               "drain or join as a worker");
  caf::actor_system sys{cfg};
  // Spawn the coordinator.
  coordinator_options options;
  options.id = id;
  options.host = host_name();
  options.scheduling = cfg.scheduling();
  options.max_image_bytes = cfg.max_image_bytes;
  options.journal_dir = cfg.journal_dir;
  options.max_journal_bytes = cfg.max_journal_bytes;
  options.journal_ttl = cfg.journal_ttl;
  options.model_wait = cfg.model_wait;
  // Who is behind each remote node: the edge knows; without one (loopback
  // only), every node counts as if through a plain edge.
  if (front)
    options.peers = front;
  else
    options.peers = std::make_shared<unguarded_directory>();
  options.limits = cfg.limits();
  options.say = [id](const std::string& line) { say(id + ": " + line); };
  options.online = cfg.online();
  if (http->metrics)
    options.metrics = std::make_shared<coordinator_metrics>(
      *http->metrics, cfg.max_queued_bytes);
  auto coordinator_handle = sys.spawn(coordinator, std::move(options));
  // The status API asks it from now on (and answers 503 before the actor
  // system goes).
  status_attachment status{*http, sys, coordinator_handle};
  // Offer it on every connection the edge accepts, until the actor system
  // stops.
  edge_attachment attached{
    sys, front.get(),
    caf::actor_cast<caf::strong_actor_ptr>(coordinator_handle),
    sys.message_types(coordinator_handle)};
  // Listen: the edge where the config says (port 0: any free port).
  auto port = listen(sys, cfg, front.get(), coordinator_handle);
  if (!port) {
    caf::anon_send_exit(coordinator_handle, caf::exit_reason::user_shutdown);
    return 2;
  }
  status.listening_on((cfg.host.find(':') != std::string::npos
                         ? "[" + cfg.host + "]"
                         : cfg.host)
                      + ":" + std::to_string(*port));
  // Inference requests, once the coordinator takes them (stopped before
  // the actor system goes).
  auto oip = open_oip(cfg, sys, coordinator_handle, id);
  if (!oip) {
    caf::anon_send_exit(coordinator_handle, caf::exit_reason::user_shutdown);
    return 2;
  }
  // Ready for clients once a worker registers (its metrics' sample says).
  // Set before the ready line: whoever reads that line may ask /readyz.
  http->set_phase(node_health::phase::no_workers);
  say("fovea coordinator " + id + ": " + describe_edge(cfg, front.get()));
  say("fovea coordinator " + id + " ready on " + cfg.host + ":"
      + std::to_string(*port));
  // Wait until a signal ends the node.
  wait_for_end(sys, caf::actor_cast<caf::actor>(coordinator_handle));
  if (http->metrics)
    http->metrics->health().set_alive(false);
  say("fovea coordinator " + id + " stopped");
  return 0;
}

int node_main(const arguments& args) {
  // Before the actor system starts its threads, so that only the node's
  // signal thread ever sees SIGINT and SIGTERM.
  block_shutdown_signals();
  auto line = split_command_line(args, flag_spec{});
  if (!line.error.empty() || !line.positional.empty()) {
    complain("fovea node: "
             + (line.error.empty() ? "unexpected argument " + line.positional[0]
                                   : line.error)
             + "\nusage: fovea node --config FILE [--fovea.KEY=VALUE ...]");
    return 2;
  }
  fovea_config cfg;
  if (auto problem = cfg.configure(line.caf_args); !problem.empty()) {
    complain("fovea node: " + problem);
    return 2;
  }
  if (cfg.cli_helptext_printed)
    return 0;
  if (cfg.log_format == "json")
    use_json_log(cfg.node_id());
  if (cfg.role == "coordinator")
    return run_coordinator(cfg);
  if (cfg.role == "worker")
    return run_worker(cfg);
  complain("fovea node: fovea.role must be \"coordinator\" or \"worker\""
           + (cfg.role.empty() ? std::string{" (it is not set)"}
                               : " (it is \"" + cfg.role + "\")"));
  return 2;
}

} // namespace fovea
