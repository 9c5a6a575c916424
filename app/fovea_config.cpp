#include "app/fovea_config.hpp"

#include <fstream>
#include <map>
#include <thread>
#include <unistd.h>

#include <caf/io/middleman.hpp>
#include <caf/pec.hpp>
#include <caf/settings.hpp>

#include "actors/local_types.hpp"

namespace fovea {

namespace {

using namespace std::chrono_literals;

// The file a parse error points into, if it came from a config file.
std::string config_file_of(const caf::settings& content) {
  return caf::get_or(content, "config-file", std::string{"the config file"});
}

// CAF reports parse errors as codes with a dictionary of details; this turns
// them into one line that names the file, line and key or argument.
std::string explain(const caf::error& err, const caf::settings& content) {
  if (err.category() == caf::atom("system"))
    return "cannot open config file " + config_file_of(content);
  if (err.category() != caf::atom("parser"))
    return caf::to_string(err);
  auto what = caf::to_string(static_cast<caf::pec>(err.code()));
  std::replace(what.begin(), what.end(), '_', ' ');
  if (!err.context().match_elements<caf::settings>())
    return "configuration error: " + what;
  auto& details = err.context().get_as<caf::settings>(0);
  if (auto arg = caf::get_if<std::string>(&details, "argument"))
    return "command line option " + *arg + ": " + what
           + (err.code() == static_cast<uint8_t>(caf::pec::not_an_option)
                ? " (see `fovea help`)"
                : "");
  auto line = caf::get_or(details, "line", int64_t{0});
  auto column = caf::get_or(details, "column", int64_t{0});
  return config_file_of(content) + ":" + std::to_string(line) + ":"
         + std::to_string(column) + ": " + what
         + " (values are numbers, durations like 5s, or \"quoted strings\")";
}

// The line of `key` in `section` of an INI file, for messages (0 if the
// key is not found written out plainly).
int line_of(const std::string& file, const std::string& section,
            const std::string& key) {
  std::ifstream in{file};
  std::string current;
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos)
      continue;
    if (line[first] == '[') {
      auto end = line.find(']', first);
      current = line.substr(first + 1, end - first - 1);
    } else if (current == section && line.compare(first, key.size(), key) == 0
               && line.find_first_not_of(" \t", first + key.size())
                    == line.find('=', first)) {
      return number;
    }
  }
  return 0;
}

} // namespace

fovea_config::fovea_config() {
  load<caf::io::middleman>();
  register_all_types(*this);
  // CAF never notices a frozen peer unless both are set; these defaults
  // apply to every fovea process, and configs may override them.
  set("middleman.heartbeat-interval", caf::timespan{1s});
  set("middleman.connection-timeout", caf::timespan{5s});
  // CAF's default work-stealing scheduler keeps idle threads polling and
  // napping 50 us at a time; a fovea process has a few busy actors and the
  // cores belong to LibTorch, so threads that sleep on a shared queue until
  // there is work cost less: measured 1,560-1,630 -> 1,770-1,860 images/s
  // for `fovea classify --workers 2` on 2 cores (bench/run).
  set("scheduler.policy", caf::atom("sharing"));
  opt_group{custom_options_, "fovea"}
    .add(role, "role", "node role: coordinator or worker")
    .add(id, "id", "unique node id (default: host-pid)");
  opt_group{custom_options_, "fovea"}
    .add(host, "host", "address a coordinator listens on")
    .add(port, "port", "port a coordinator listens on (0: any free port)")
    .add(coordinator, "coordinator", "HOST:PORT of the coordinator to join")
    .add(connect_timeout, "connect-timeout",
         "how long to keep trying to reach the coordinator");
  opt_group{custom_options_, "fovea"}
    .add(model, "model", "model folder (model.pt, labels.txt, model.ini), or a NAME/VERSION/ repository of them")
    .add(slots, "slots", "task batches a worker accepts at once")
    .add(threads, "threads", "LibTorch intra-op threads per process")
    .add(batch_size, "batch-size", "tasks per batch sent to a worker")
    .add(task_timeout, "task-timeout",
         "time a worker has for one batch before it is sent elsewhere")
    .add(max_attempts, "max-attempts",
         "failures of one input, alone on a worker, before it is poison")
    .add(hang_timeout, "hang-timeout",
         "a worker with an overdue batch that answers nothing for this long "
         "is let go")
    .add(max_queued_bytes, "max-queued-bytes",
         "image bytes a coordinator holds, queued and in flight, before "
         "clients wait")
    .add(model_wait, "model-wait",
         "how long a job waits for a worker serving its model before it "
         "fails")
    .add(journal_dir, "journal-dir",
         "where a coordinator journals named jobs, to resume them after a "
         "crash (empty: no journal)")
    .add(max_journal_bytes, "max-journal-bytes",
         "disk the journals may take in all; past it, new named jobs are "
         "refused")
    .add(journal_ttl, "journal-ttl",
         "journals not written for this long (paused jobs, uncommitted "
         "results) are removed");
  opt_group{custom_options_, "fovea"}
    .add(decode_threads, "decode-threads",
         "threads of a worker that decode images while its model runs")
    .add(max_batch_size, "max-batch-size",
         "most images in one forward pass (default: the model's)")
    .add(preferred_batch_sizes, "preferred-batch-sizes",
         "batch sizes run without waiting (default: the model's)")
    .add(max_queue_delay, "max-queue-delay",
         "longest wait for a fuller batch (default: the model's)");
  opt_group{custom_options_, "fovea"}
    .add(max_pixels, "max-pixels",
         "largest width x height a worker decodes (checked from the header)")
    .add(max_image_bytes, "max-image-bytes",
         "largest input file, refused before it is read");
  opt_group{custom_options_, "fovea"}
    .add(certificate, "certificate",
         "this node's certificate (PEM, from fovea certs): turns TLS on")
    .add(key, "key", "the certificate's private key (PEM, mode 0600)")
    .add(ca, "ca", "the cluster CA's certificate (PEM)")
    .add(crl, "crl", "certificates the CA revoked (PEM, fovea certs --revoke)")
    .add(insecure, "insecure",
         "let a coordinator without a certificate listen beyond loopback")
    .add(edge, "edge",
         "false: no edge, CAF listens and connects itself (loopback only; "
         "for measurements)")
    .add(max_message_bytes, "max-message-bytes",
         "largest message the edge relays (checked from its header)")
    .add(max_connections, "max-connections",
         "connections a coordinator's edge holds at once")
    .add(max_connections_per_address, "max-connections-per-address",
         "connections a coordinator's edge holds from one address")
    .add(handshake_timeout, "handshake-timeout",
         "time a new connection has for its TLS (or CAF) handshake")
    .add(idle_timeout, "idle-timeout",
         "longest silence of a connection before the edge closes it")
    .add(write_stall_timeout, "write-stall-timeout",
         "longest a peer may leave what the edge sends it unread before "
         "the edge closes the connection")
    .add(max_inflight_bytes, "max-inflight-bytes",
         "bytes of messages CAF may buffer across all connections (each is "
         "charged twice its largest message for as long as it lasts)")
    .add(max_handshakes, "max-handshakes",
         "connections an edge holds in their TLS handshake at once")
    .add(max_handshakes_per_address, "max-handshakes-per-address",
         "connections in their TLS handshake from one address (or IPv6 /64)")
    .add(max_connections_per_certificate, "max-connections-per-certificate",
         "live connections with one certificate name");
  opt_group{custom_options_, "fovea"}
    .add(max_job_inputs, "max-job-inputs",
         "most inputs of one job a coordinator accepts")
    .add(max_open_jobs, "max-open-jobs", "jobs a coordinator runs at once")
    .add(max_jobs_per_client, "max-jobs-per-client",
         "jobs one client (certificate) may have open at once");
  opt_group{custom_options_, "fovea"}
    .add(http, "http",
         "HOST:PORT of the node's /metrics, /healthz and /readyz (HTTPS "
         "with the node's certificate beyond loopback; empty: off)")
    .add(log_format, "log-format",
         "a node's log lines: text, for people, or json, one object per "
         "line (time, level, node, event, message, fields)");
}

std::string fovea_config::configure(std::vector<std::string> args) {
  // CAF's command line takes a bool option only as a bare flag
  // (--fovea.insecure), which cannot say false; --fovea.KEY=true|false is
  // taken here and applied after the config file, so it still wins.
  std::vector<std::pair<std::string, bool>> flags;
  for (auto i = args.begin(); i != args.end();) {
    auto eq = i->find('=');
    auto key = eq == std::string::npos ? std::string{} : i->substr(2, eq - 2);
    auto value = eq == std::string::npos ? std::string{} : i->substr(eq + 1);
    auto* opt = key.empty() ? nullptr
                            : custom_options_.qualified_name_lookup(key);
    if (i->rfind("--", 0) == 0 && opt && opt->type_name() == "boolean"
        && (value == "true" || value == "false")) {
      flags.emplace_back(key, value == "true");
      i = args.erase(i);
    } else {
      ++i;
    }
  }
  if (auto err = parse(std::move(args)))
    return explain(err, content);
  for (auto& [key, value] : flags)
    set(key, value);
  // CAF 0.17 ignores unknown keys in a config file, and skips a value of
  // the wrong type without a word, leaving the default in place: neither may
  // pass. So the file is read again, raw, and fovea's section checked here.
  if (auto file = caf::get_if<std::string>(&content, "config-file")) {
    auto raw = parse_config_file(file->c_str());
    if (!raw)
      return explain(raw.error(), content);
    if (auto section = caf::get_if<caf::settings>(&*raw, "fovea"))
      if (auto [key, problem] = check_section(*section); !problem.empty())
        return *file + ":" + std::to_string(line_of(*file, "fovea", key))
               + ": " + problem;
  }
  if (slots == 0)
    return "fovea.slots must be at least 1";
  if (batch_size == 0)
    return "fovea.batch-size must be at least 1";
  if (max_attempts == 0)
    return "fovea.max-attempts must be at least 1";
  if (model_wait.count() <= 0)
    return "fovea.model-wait must be positive";
  if (journal_ttl.count() <= 0)
    return "fovea.journal-ttl must be positive";
  if (task_timeout.count() <= 0 || hang_timeout < task_timeout)
    return "fovea.task-timeout must be positive and fovea.hang-timeout at "
           "least as long";
  if (max_queued_bytes < (1u << 20))
    return "fovea.max-queued-bytes must be at least 1 MiB";
  if (max_pixels == 0 || max_image_bytes == 0)
    return "fovea.max-pixels and fovea.max-image-bytes must be at least 1";
  if (decode_threads > 64)
    return "fovea.decode-threads must be from 0 to 64";
  if (threads < 0)
    return "fovea.threads must be 0 (LibTorch's default) or more";
  if (log_format != "text" && log_format != "json")
    return "fovea.log-format must be \"text\" or \"json\" (it is \""
           + log_format + "\")";
  return check_edge_settings();
}

std::string fovea_config::check_edge_settings() const {
  constexpr uint64_t mib = 1 << 20;
  if (max_message_bytes < mib || max_message_bytes > 0xFFFFFFFFull)
    return "fovea.max-message-bytes must be from 1048576 to 4294967295 "
           "(BASP's length field)";
  if (max_image_bytes + mib > max_message_bytes)
    return "fovea.max-image-bytes (" + std::to_string(max_image_bytes)
           + ") must stay 1 MiB below fovea.max-message-bytes ("
           + std::to_string(max_message_bytes)
           + "): an image travels in one message";
  if (max_connections == 0 || max_connections_per_address == 0
      || max_handshakes == 0 || max_handshakes_per_address == 0
      || max_connections_per_certificate == 0)
    return "fovea.max-connections, fovea.max-connections-per-address, "
           "fovea.max-handshakes, fovea.max-handshakes-per-address and "
           "fovea.max-connections-per-certificate must be at least 1";
  if (handshake_timeout.count() <= 0 || idle_timeout.count() <= 0
      || write_stall_timeout.count() <= 0)
    return "fovea.handshake-timeout, fovea.idle-timeout and "
           "fovea.write-stall-timeout must be more than 0";
  if (max_inflight_bytes < 2 * max_message_bytes)
    return "fovea.max-inflight-bytes (" + std::to_string(max_inflight_bytes)
           + ") must be at least twice fovea.max-message-bytes ("
           + std::to_string(max_message_bytes)
           + "): CAF holds a message twice while it reads it";
  auto heartbeat = caf::get_or(content, "middleman.heartbeat-interval",
                               caf::timespan{0});
  if (heartbeat.count() > 0 && idle_timeout < 3 * heartbeat)
    return "fovea.idle-timeout must be at least 3 x "
           "middleman.heartbeat-interval (CAF's heartbeats are what keeps a "
           "quiet connection open)";
  if (max_job_inputs == 0 || max_open_jobs == 0 || max_jobs_per_client == 0)
    return "fovea.max-job-inputs, fovea.max-open-jobs and "
           "fovea.max-jobs-per-client must be at least 1";
  auto set = int{!certificate.empty()} + int{!key.empty()} + int{!ca.empty()};
  if (set != 0 && set != 3)
    return std::string{"fovea.certificate, fovea.key and fovea.ca go "
                       "together ("}
           + (certificate.empty() ? "fovea.certificate"
              : key.empty()       ? "fovea.key"
                                  : "fovea.ca")
           + " is not set)";
  if (!crl.empty() && ca.empty())
    return "fovea.crl needs fovea.ca (and a certificate)";
  if (!edge && !certificate.empty())
    return "fovea.edge = false cannot speak TLS: the edge does";
  return {};
}

scheduler_options fovea_config::scheduling() const {
  scheduler_options out;
  out.batch_size = batch_size;
  out.task_timeout = task_timeout;
  out.hang_timeout = hang_timeout;
  out.max_attempts = max_attempts;
  out.max_queued_bytes = max_queued_bytes;
  // A batch stays far below the largest message the edge relays.
  out.batch_bytes = std::min<size_t>(out.batch_bytes, max_queued_bytes / 4);
  return out;
}

coordinator_limits fovea_config::limits() const {
  coordinator_limits result;
  result.max_job_inputs = max_job_inputs;
  result.max_open_jobs = max_open_jobs;
  result.max_jobs_per_client = max_jobs_per_client;
  return result;
}

edge_limits fovea_config::edge_settings() const {
  edge_limits result;
  result.max_message_bytes = static_cast<uint32_t>(max_message_bytes);
  result.max_connections = max_connections;
  result.max_connections_per_address = max_connections_per_address;
  result.handshake_timeout
    = std::chrono::duration_cast<std::chrono::milliseconds>(handshake_timeout);
  result.idle_timeout
    = std::chrono::duration_cast<std::chrono::milliseconds>(idle_timeout);
  result.write_stall_timeout
    = std::chrono::duration_cast<std::chrono::milliseconds>(
      write_stall_timeout);
  result.max_inflight_bytes = max_inflight_bytes;
  result.max_handshakes = max_handshakes;
  result.max_handshakes_per_address = max_handshakes_per_address;
  result.max_connections_per_certificate = max_connections_per_certificate;
  return result;
}

tls_files fovea_config::tls() const {
  return {certificate, key, ca, crl};
}

std::pair<std::string, std::string>
fovea_config::check_section(const caf::settings& section) const {
  std::map<std::string, const caf::config_option*> known;
  auto text = [](caf::string_view x) { return std::string{x.data(), x.size()}; };
  for (auto& opt : custom_options_)
    if (text(opt.category()) == "fovea")
      known.emplace(text(opt.long_name()), &opt);
  for (auto& [key, value] : section) {
    auto opt = known.find(key);
    if (opt == known.end()) {
      std::string list;
      for (auto& [k, _] : known)
        list += (list.empty() ? "" : ", ") + k;
      return {key, "unknown key fovea." + key + " (known keys: " + list + ")"};
    }
    if (opt->second->check(value))
      return {key, "fovea." + key + " = " + caf::to_string(value)
                     + ": expected a value of type "
                     + text(opt->second->type_name())};
  }
  return {};
}

std::string fovea_config::node_id() const {
  if (!id.empty())
    return id;
  return host_name() + "-" + std::to_string(::getpid());
}

std::string fovea_config::inference_setup(const model_manifest& manifest,
                                          const std::string& worker_id,
                                          inference_options& out) const {
  out.worker_id = worker_id;
  out.limits = decode_limits{max_pixels};
  out.decoders = decode_threads;
  out.batching = manifest.batching;
  auto set = [this](const char* key) {
    return caf::get_if(&content, std::string{"fovea."} + key) != nullptr;
  };
  if (set("max-batch-size"))
    out.batching.max_batch_size = max_batch_size;
  if (set("preferred-batch-sizes"))
    out.batching.preferred_batch_sizes.assign(preferred_batch_sizes.begin(),
                                              preferred_batch_sizes.end());
  if (set("max-queue-delay"))
    out.batching.max_queue_delay
      = std::chrono::duration_cast<std::chrono::microseconds>(max_queue_delay);
  if (auto problem = out.batching.check(); !problem.empty())
    return "batching of model " + manifest.label() + " (model.ini [batching] "
           "and fovea.* overrides): " + problem;
  return {};
}

void fovea_config::reserve_threads_for_inference(size_t blocking) {
  if (caf::get_if(&content, "scheduler.max-threads"))
    return;
  auto cores = std::max(1u, std::thread::hardware_concurrency());
  set("scheduler.max-threads", static_cast<size_t>(cores) + blocking);
}

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0')
    return "localhost";
  return name;
}

} // namespace fovea
