#include "app/fovea_config.hpp"

#include <fstream>
#include <map>
#include <thread>
#include <unistd.h>

#include <caf/io/middleman.hpp>
#include <caf/pec.hpp>
#include <caf/settings.hpp>

#include "actors/local_types.hpp"
#include "app/console.hpp"
#include "app/settings_schema.hpp"

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
  if (auto arg = caf::get_if<std::string>(&details, "argument")) {
    if (err.code() != static_cast<uint8_t>(caf::pec::not_an_option))
      return "command line option " + *arg + ": " + what;
    auto key = arg->substr(arg->rfind('-', 1) == 1 ? 2 : 0);
    key = key.substr(0, key.find('='));
    auto nearest = nearest_setting(key);
    return "command line option " + *arg + ": " + what
           + (nearest.empty() ? "" : "; did you mean --" + nearest + "?")
           + " (`fovea help settings` lists every key)";
  }
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
  // Every fovea.* key from its one declaration (settings_schema.cpp).
  opt_group group{custom_options_, "fovea"};
  for (auto& s : settings_schema())
    std::visit(
      [&](auto member) {
        group.add(this->*member, caf::string_view{s.key.data(), s.key.size()},
                  caf::string_view{s.help.data(), s.help.size()});
      },
      s.member);
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
  // CAF 0.17 ignores unknown keys in a config file and skips a value of the
  // wrong type without a word: so the file is read again, raw, and checked.
  std::string file;
  caf::settings section;
  if (auto name = caf::get_if<std::string>(&content, "config-file")) {
    file = *name;
    auto raw = parse_config_file(file.c_str());
    if (!raw)
      return explain(raw.error(), content);
    if (auto found = caf::get_if<caf::settings>(&*raw, "fovea"))
      section = *found;
    if (auto [key, problem] = check_section(section); !problem.empty())
      return file + ":" + std::to_string(line_of(file, "fovea", key)) + ": "
             + problem;
  }
  for (auto& [key, value] : flags)
    set(key, value);
  // Each value within its declared bounds; one from the config file is
  // named by its line there.
  for (auto& s : settings_schema())
    if (auto problem = bounds_problem(s, *this); !problem.empty()) {
      auto key = std::string{s.key};
      auto line = section.count(key) ? line_of(file, "fovea", key) : 0;
      return (line > 0 ? file + ":" + std::to_string(line) + ": " : "")
             + problem + " (see `fovea help " + key + "`)";
    }
  if (auto problem = check_relations(); !problem.empty())
    return problem;
  // With an edge, every BASP connection passes a relay, which notices a
  // silent peer as CAF would have, minus CAF 0.17.6's clock that starts at
  // the epoch for a connection it dials (edge_limits says more).
  // CAF checks only while it sends heartbeats; so does the edge.
  auto heartbeat = caf::get_or(content, "middleman.heartbeat-interval",
                               caf::timespan{0});
  if (edge) {
    if (heartbeat.count() > 0)
      peer_silence_timeout_ = caf::get_or(
        content, "middleman.connection-timeout", caf::timespan{0});
    set("middleman.connection-timeout", caf::timespan{0});
  }
  return {};
}

std::string fovea_config::check_relations() const {
  constexpr uint64_t mib = 1 << 20;
  if (hang_timeout < task_timeout)
    return "fovea.hang-timeout (" + value_text(*find_setting("hang-timeout"),
                                                *this)
           + ") must be at least fovea.task-timeout ("
           + value_text(*find_setting("task-timeout"), *this) + ")";
  if (max_image_bytes + mib > max_message_bytes)
    return "fovea.max-image-bytes (" + std::to_string(max_image_bytes)
           + ") must stay 1 MiB below fovea.max-message-bytes ("
           + std::to_string(max_message_bytes)
           + "): an image travels in one message";
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
  if (serves_inference() && oip_max_queued_bytes > max_queued_bytes / 2)
    return "fovea.oip-max-queued-bytes (" + std::to_string(oip_max_queued_bytes)
           + ") must be at most half of fovea.max-queued-bytes ("
           + std::to_string(max_queued_bytes)
           + "): inference requests' images are set aside from it, and "
             "jobs keep the rest";
  if (serves_inference() && oip_max_queued_bytes < max_image_bytes)
    return "fovea.oip-max-queued-bytes (" + std::to_string(oip_max_queued_bytes)
           + ") must be at least fovea.max-image-bytes ("
           + std::to_string(max_image_bytes)
           + "): the largest image must fit";
  return {};
}

online_limits fovea_config::online() const {
  online_limits out;
  out.max_bytes = serves_inference() ? oip_max_queued_bytes : 0;
  out.max_requests = oip_max_requests;
  out.max_per_principal = oip_max_per_client;
  return out;
}

scheduler_options fovea_config::scheduling() const {
  scheduler_options out;
  out.batch_size = batch_size;
  out.task_timeout = task_timeout;
  out.hang_timeout = hang_timeout;
  out.max_attempts = max_attempts;
  out.max_queued_bytes = max_queued_bytes;
  // A batch stays far below the largest message the edge relays, and its
  // copies small next to the budget.
  out.batch_bytes = std::min<size_t>(out.batch_bytes, max_queued_bytes / 16);
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
  result.peer_silence_timeout
    = std::chrono::duration_cast<std::chrono::milliseconds>(
      peer_silence_timeout_);
  result.max_inflight_bytes = max_inflight_bytes;
  result.max_handshakes = max_handshakes;
  result.max_handshakes_per_address = max_handshakes_per_address;
  result.max_connections_per_certificate = max_connections_per_certificate;
  return result;
}

tls_files fovea_config::tls() const {
  return {certificate, key, ca, crl};
}

storage_settings fovea_config::storage() const {
  storage_settings out;
  out.shared_roots = shared_roots;
  out.s3_endpoint = s3_endpoint;
  out.s3_region = s3_region;
  out.s3_path_style = s3_path_style;
  out.s3_credentials = s3_credentials;
  out.s3_buckets = s3_buckets;
  out.http_hosts = http_hosts;
  out.ca_file = s3_ca;
  out.reads = storage_reads;
  out.max_image_bytes = max_image_bytes;
  return out;
}

std::pair<std::string, std::string>
fovea_config::check_section(const caf::settings& section) const {
  for (auto& [key, value] : section) {
    auto s = find_setting(key);
    if (!s) {
      auto nearest = nearest_setting(key);
      return {key, "unknown key fovea." + key
                     + (nearest.empty() ? "" : "; did you mean " + nearest + "?")
                     + " (`fovea help settings` lists every key)"};
    }
    auto name = "fovea." + std::string{s->key};
    auto opt = custom_options_.qualified_name_lookup(name);
    if (opt->check(value))
      return {key, "fovea." + key + " = " + caf::to_string(value)
                     + ": expected " + type_text(*s)};
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
