#include "app/settings_schema.hpp"

#include <algorithm>
#include <type_traits>

#include "app/fovea_config.hpp"
#include "jobs/job_flags.hpp"

namespace fovea {

namespace {

using c = fovea_config;
constexpr int64_t mib = 1 << 20;

} // namespace

const std::vector<setting>& settings_schema() {
  static const std::vector<setting> table{
    // the node
    {"role", "node", "node role: coordinator or worker (fovea node needs it)",
     &c::role, 0, 0, {"coordinator", "worker"}},
    {"id", "node", "the node's id, unique in the cluster (default: host-pid)",
     &c::id},
    {"host", "node",
     "where a coordinator listens (its edge); beyond loopback it needs a "
     "certificate or fovea.insecure",
     &c::host},
    {"port", "node", "where a coordinator listens; 0 picks a free port",
     &c::port},
    {"coordinator", "node", "HOST:PORT of the coordinator to join",
     &c::coordinator},
    {"connect-timeout", "node",
     "how long a worker or client keeps trying to reach its coordinator",
     &c::connect_timeout, 1},
    {"log-format", "node",
     "a node's log lines: text, for people, or json, one object per line "
     "(time, level, node, event, message, fields)",
     &c::log_format, 0, 0, {"text", "json"}},
    {"http", "node",
     "HOST:PORT of the node's HTTP front: /metrics, /healthz, /readyz "
     "(HTTPS with the node's certificate beyond loopback; empty: off)",
     &c::http},
    // a worker
    {"model", "worker",
     "a worker's model folder (model.pt, labels.txt, model.ini), or a "
     "NAME/VERSION/ repository of them: it serves each",
     &c::model},
    {"slots", "worker",
     "task batches a worker accepts at once (its credit with the "
     "coordinator)",
     &c::slots, 1, 256},
    {"threads", "worker",
     "LibTorch intra-op threads per process (0: LibTorch's default)",
     &c::threads, 0, 1024},
    {"decode-threads", "worker",
     "0: the model runner decodes each batch itself; N: threads that decode "
     "the next batches while the model runs",
     &c::decode_threads, 0, 64},
    {"max-batch-size", "worker",
     "most images in one forward pass (0: the model's, model.ini [batching])",
     &c::max_batch_size},
    {"preferred-batch-sizes", "worker",
     "batch sizes run without waiting, e.g. [32, 64] (default: the model's)",
     &c::preferred_batch_sizes},
    {"max-queue-delay", "worker",
     "longest an idle worker waits for a fuller batch (0: the model's)",
     &c::max_queue_delay},
    {"max-pixels", "worker",
     "largest width x height a worker decodes, checked from the header",
     &c::max_pixels, 1},
    // the coordinator
    {"batch-size", "coordinator",
     "most tasks per batch sent to a worker (batches shrink as a job's "
     "queue runs out)",
     &c::batch_size, 1, 4096},
    {"task-timeout", "coordinator",
     "time a batch has, from reaching the front of its worker's line, "
     "before its tasks are copied to another worker",
     &c::task_timeout, 1},
    {"hang-timeout", "coordinator",
     "a worker with an overdue batch that answers nothing this long is let "
     "go (at least task-timeout)",
     &c::hang_timeout, 1},
    {"max-attempts", "coordinator",
     "failures of one input, alone on a worker, before it is a poison row",
     &c::max_attempts, 1},
    {"max-queued-bytes", "coordinator",
     "what the tasks a coordinator holds may cost in all: clients send "
     "within the byte credit it grants from this",
     &c::max_queued_bytes, mib},
    {"max-image-bytes", "coordinator",
     "largest input file; larger ones are error rows, never read (client "
     "and coordinator)",
     &c::max_image_bytes, 1},
    {"model-wait", "coordinator",
     "how long a job waits for a worker serving its model before it fails",
     &c::model_wait, 1},
    {"journal-dir", "coordinator",
     "where a coordinator journals named jobs so they survive a crash "
     "(empty: no journal)",
     &c::journal_dir},
    {"max-journal-bytes", "coordinator",
     "disk the journals may take in all; past it a new named job is refused",
     &c::max_journal_bytes},
    {"journal-ttl", "coordinator",
     "journals not written this long (paused jobs, uncommitted results) "
     "are removed",
     &c::journal_ttl, 1},
    {"max-job-inputs", "coordinator",
     "the most inputs of one job a coordinator accepts", &c::max_job_inputs,
     1},
    {"max-open-jobs", "coordinator", "jobs a coordinator runs at once",
     &c::max_open_jobs, 1},
    {"max-jobs-per-client", "coordinator",
     "of those, per client certificate (per connection without TLS)",
     &c::max_jobs_per_client, 1},
    // the edge
    {"certificate", "edge",
     "this node's certificate (PEM, from fovea certs): with key and ca, "
     "turns TLS on",
     &c::certificate},
    {"key", "edge", "the certificate's private key (PEM, mode 0600)",
     &c::key},
    {"ca", "edge", "the cluster CA's certificate (PEM)", &c::ca},
    {"crl", "edge",
     "certificates the CA revoked (PEM, fovea certs --revoke), read at "
     "start-up",
     &c::crl},
    {"insecure", "edge",
     "let a coordinator without a certificate listen beyond loopback (it "
     "warns at every start)",
     &c::insecure},
    {"edge", "edge",
     "false: no edge, CAF listens and connects itself (loopback only; for "
     "measuring the edge's cost)",
     &c::edge},
    {"max-message-bytes", "edge",
     "the largest message the edge relays, checked from its header",
     &c::max_message_bytes, mib, 0xFFFFFFFFll},
    {"max-connections", "edge", "connections a coordinator's edge holds",
     &c::max_connections, 1},
    {"max-connections-per-address", "edge",
     "of those, from one source address (an IPv6 /64 counts as one)",
     &c::max_connections_per_address, 1},
    {"max-handshakes", "edge",
     "connections still in their TLS handshake, in all", &c::max_handshakes,
     1},
    {"max-handshakes-per-address", "edge",
     "connections still in their TLS handshake from one address",
     &c::max_handshakes_per_address, 1},
    {"max-connections-per-certificate", "edge",
     "live connections with one certificate name",
     &c::max_connections_per_certificate, 1},
    {"handshake-timeout", "edge",
     "time a new connection has for its TLS handshake (plain: for its "
     "first bytes)",
     &c::handshake_timeout, 1},
    {"idle-timeout", "edge",
     "a connection silent this long is closed (at least 3 heartbeat "
     "intervals)",
     &c::idle_timeout, 1},
    {"write-stall-timeout", "edge",
     "a peer that leaves what the edge sends it unread this long is cut off",
     &c::write_stall_timeout, 1},
    {"max-inflight-bytes", "edge",
     "what CAF may buffer across all connections: each is charged twice its "
     "largest message for as long as it lasts",
     &c::max_inflight_bytes, 1},
  };
  return table;
}

const setting* find_setting(std::string_view key) {
  if (key.substr(0, 6) == "fovea.")
    key.remove_prefix(6);
  auto& table = settings_schema();
  auto found = std::find_if(table.begin(), table.end(), [&](auto& s) {
    return s.key == key;
  });
  return found == table.end() ? nullptr : &*found;
}

namespace {

std::string duration_text(caf::timespan d) {
  using namespace std::chrono;
  auto ns = d.count();
  if (ns == 0)
    return "0s";
  struct unit {
    int64_t size;
    const char* name;
  };
  for (auto [size, name] :
       {unit{3600'000'000'000, "h"}, unit{60'000'000'000, "min"},
        unit{1'000'000'000, "s"}, unit{1'000'000, "ms"}, unit{1'000, "us"}})
    if (ns % size == 0)
      return std::to_string(ns / size) + name;
  return std::to_string(ns) + "ns";
}

// As a number for the bounds check; durations in nanoseconds.
template <class T>
int64_t as_number(const T& value) {
  if constexpr (std::is_same_v<T, caf::timespan>)
    return value.count();
  else if constexpr (std::is_same_v<T, uint64_t>)
    return static_cast<int64_t>(
      std::min<uint64_t>(value, std::numeric_limits<int64_t>::max()));
  else
    return static_cast<int64_t>(value);
}

std::string bound_text(const setting& s, int64_t bound) {
  if (std::holds_alternative<caf::timespan fovea_config::*>(s.member))
    return duration_text(caf::timespan{bound});
  return std::to_string(bound);
}

} // namespace

std::string value_text(const setting& s, const fovea_config& cfg) {
  return std::visit(
    [&](auto member) -> std::string {
      auto& value = cfg.*member;
      using T = std::decay_t<decltype(value)>;
      if constexpr (std::is_same_v<T, std::string>)
        return "\"" + value + "\"";
      else if constexpr (std::is_same_v<T, bool>)
        return value ? "true" : "false";
      else if constexpr (std::is_same_v<T, caf::timespan>)
        return duration_text(value);
      else if constexpr (std::is_same_v<T, std::vector<uint32_t>>) {
        std::string text = "[";
        for (auto n : value)
          text += (text.size() > 1 ? ", " : "") + std::to_string(n);
        return text + "]";
      } else
        return std::to_string(value);
    },
    s.member);
}

std::string type_text(const setting& s) {
  return std::visit(
    [](auto member) -> std::string {
      using T = std::decay_t<decltype(std::declval<fovea_config>().*member)>;
      if constexpr (std::is_same_v<T, std::string>)
        return "text, in quotes";
      else if constexpr (std::is_same_v<T, bool>)
        return "true or false";
      else if constexpr (std::is_same_v<T, caf::timespan>)
        return "a duration: 500ms, 30s, 10min, 2h";
      else if constexpr (std::is_same_v<T, std::vector<uint32_t>>)
        return "a list of whole numbers: [32, 64]";
      else
        return "a whole number";
    },
    s.member);
}

std::string bounds_problem(const setting& s, const fovea_config& cfg) {
  auto name = "fovea." + std::string{s.key};
  return std::visit(
    [&](auto member) -> std::string {
      auto& value = cfg.*member;
      using T = std::decay_t<decltype(value)>;
      if constexpr (std::is_same_v<T, std::string>) {
        if (s.choices.empty() || value.empty()
            || std::find(s.choices.begin(), s.choices.end(), value)
                 != s.choices.end())
          return {};
        std::string list;
        for (size_t i = 0; i < s.choices.size(); ++i)
          list += (i == 0 ? "" : i + 1 == s.choices.size() ? " or " : ", ")
                  + ("\"" + std::string{s.choices[i]} + "\"");
        return name + " must be " + list + " (it is \"" + value + "\")";
      } else if constexpr (std::is_same_v<T, bool>
                           || std::is_same_v<T, std::vector<uint32_t>>) {
        return {};
      } else {
        auto n = as_number(value);
        if (n >= s.min && n <= s.max)
          return {};
        auto it_is = " (it is " + value_text(s, cfg) + ")";
        if constexpr (std::is_same_v<T, caf::timespan>)
          if (s.min == 1 && s.max == std::numeric_limits<int64_t>::max())
            return name + " must be more than 0" + it_is;
        if (s.max == std::numeric_limits<int64_t>::max())
          return name + " must be at least " + bound_text(s, s.min) + it_is;
        return name + " must be from " + bound_text(s, s.min) + " to "
               + bound_text(s, s.max) + it_is;
      }
    },
    s.member);
}

std::string describe_setting(const setting& s) {
  fovea_config defaults;
  std::string text = "fovea." + std::string{s.key} + " = "
                     + value_text(s, defaults) + " (the default)\n"
                     + wrap_help(s.help, "  ") + "  takes " + type_text(s)
                     + "\n";
  auto unbounded_min = std::numeric_limits<int64_t>::min();
  auto unbounded_max = std::numeric_limits<int64_t>::max();
  auto numeric = !std::holds_alternative<std::string fovea_config::*>(s.member)
                 && !std::holds_alternative<bool fovea_config::*>(s.member);
  if (numeric && (s.min != unbounded_min || s.max != unbounded_max)) {
    text += "  ";
    auto duration
      = std::holds_alternative<caf::timespan fovea_config::*>(s.member);
    if (duration && s.min == 1 && s.max == unbounded_max)
      text += "more than 0";
    else if (s.max == unbounded_max)
      text += "at least " + bound_text(s, s.min);
    else
      text += "from " + bound_text(s, s.min) + " to " + bound_text(s, s.max);
    text += "\n";
  }
  if (!s.choices.empty()) {
    text += "  one of:";
    for (auto choice : s.choices)
      text += " " + std::string{choice};
    text += "\n";
  }
  text += wrap_help("feeds the " + std::string{s.subsystem}
                      + "; set it under [fovea] in a config file, or on the "
                        "command line as --fovea."
                      + std::string{s.key} + "=VALUE",
                    "  ");
  return text;
}

std::string nearest_setting(std::string_view key) {
  if (key.substr(0, 6) == "fovea.")
    key.remove_prefix(6);
  // Levenshtein distance, one row at a time.
  auto distance = [](std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
      row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
      size_t diagonal = row[0];
      row[0] = i;
      for (size_t j = 1; j <= b.size(); ++j) {
        auto above = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                           diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
        diagonal = above;
      }
    }
    return row[b.size()];
  };
  std::string best;
  size_t best_distance = 4;
  for (auto& s : settings_schema())
    if (auto d = distance(key, s.key); d < best_distance) {
      best = "fovea." + std::string{s.key};
      best_distance = d;
    }
  return best;
}

} // namespace fovea
