#include "app/status_json.hpp"

#include <cmath>
#include <map>

#include <nlohmann/json.hpp>

namespace fovea {

namespace {

using nlohmann::json;

double finite(double x) {
  return std::isfinite(x) ? x : 0.0;
}

std::string dump(const json& body) {
  // Invalid UTF-8 (a name is arbitrary bytes) becomes U+FFFD, not an
  // exception.
  return html_safe_json(body.dump(-1, ' ', false, json::error_handler_t::replace))
         + "\n";
}

std::string node_state(const node_row& node) {
  if (node.role == node_role::coordinator)
    return "up";
  return node.draining ? "draining" : "ready";
}

} // namespace

std::string html_safe_json(std::string text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '<':
        out += "\\u003c";
        break;
      case '>':
        out += "\\u003e";
        break;
      case '&':
        out += "\\u0026";
        break;
      default:
        out += c;
    }
  }
  return out;
}

double eta_seconds(const job_row& job) {
  if (job.state != job_state::running || !(job.rate > 0)
      || job.done >= job.total)
    return -1;
  return finite(static_cast<double>(job.total - job.done) / job.rate);
}

namespace {

json nodes_list(const std::vector<node_row>& nodes) {
  auto list = json::array();
  for (auto& n : nodes)
    list.push_back({{"id", n.id},
                    {"role", to_string(n.role)},
                    {"host", n.host},
                    {"address", n.address},
                    {"model", n.model},
                    {"state", node_state(n)},
                    {"slots", n.slots},
                    {"credit", n.credit},
                    {"in_flight", n.in_flight},
                    {"done", n.done},
                    {"rate", finite(n.rate)},
                    {"online_rate", finite(n.online_rate)},
                    {"up_since", n.up_since}});
  return list;
}

json jobs_list(const std::vector<job_row>& jobs) {
  auto list = json::array();
  for (auto& j : jobs)
    list.push_back({{"id", j.id},
                    {"name", j.name},
                    {"owner", j.owner},
                    {"model", j.model},
                    {"state", to_string(j.state)},
                    {"total", j.total},
                    {"done", j.done},
                    {"errors", j.errors},
                    {"rate", finite(j.rate)},
                    {"share", finite(j.share)},
                    {"started", j.started},
                    {"seconds", finite(j.seconds)},
                    {"eta_seconds", eta_seconds(j)},
                    {"note", j.note}});
  return list;
}

json models_list(const std::vector<served_model>& models,
                 const std::vector<job_row>& jobs) {
  auto running = running_jobs_by_model(jobs);
  auto list = json::array();
  for (auto& m : models) {
    auto found = running.find(m.name + "@" + m.version);
    list.push_back({{"name", m.name},
                    {"version", m.version},
                    {"classes", m.classes},
                    {"workers", m.workers},
                    {"jobs_running",
                     found == running.end() ? uint64_t{0} : found->second}});
  }
  return list;
}

json queue_object(const queue_view& q) {
  return {{"tasks", q.tasks},
          {"tasks_limit", q.tasks_limit},
          {"bytes", q.bytes},
          {"bytes_limit", q.bytes_limit},
          {"batches_in_flight", q.batches_in_flight},
          {"online_requests", q.online_requests},
          {"online_bytes", q.online_bytes}};
}

json events_list(const std::vector<cluster_event>& events) {
  auto list = json::array();
  for (auto& e : events)
    list.push_back({{"seq", e.seq},
                    {"at_ms", e.at_ms},
                    {"kind", to_string(e.kind)},
                    {"text", e.text}});
  return list;
}

uint64_t last_event(const std::vector<cluster_event>& events,
                    uint64_t after) {
  return events.empty() ? after : events.back().seq;
}

} // namespace

std::string nodes_json(const std::vector<node_row>& nodes) {
  return dump({{"nodes", nodes_list(nodes)}});
}

std::string jobs_json(const std::vector<job_row>& jobs) {
  return dump({{"jobs", jobs_list(jobs)}});
}

std::string models_json(const std::vector<served_model>& models,
                        const std::vector<job_row>& jobs) {
  return dump({{"models", models_list(models, jobs)}});
}

std::string queue_json(const queue_view& queue) {
  return dump(queue_object(queue));
}

std::string events_json(const std::vector<cluster_event>& events,
                        uint64_t after) {
  return dump({{"events", events_list(events)},
               {"last", last_event(events, after)}});
}

std::string status_json(const status_snapshot& s, uint64_t after) {
  return dump({{"nodes", nodes_list(s.nodes)},
               {"jobs", jobs_list(s.jobs)},
               {"models", models_list(s.models, s.jobs)},
               {"queue", queue_object(s.queue)},
               {"events", events_list(s.events)},
               {"last", last_event(s.events, after)}});
}

std::string cancelled_json(uint64_t job, uint64_t rows) {
  return dump({{"job", job}, {"state", "cancelled"}, {"rows", rows}});
}

std::string drain_started_json(const std::string& worker) {
  return dump({{"worker", worker}, {"state", "draining"}});
}

std::map<std::string, uint64_t>
running_jobs_by_model(const std::vector<job_row>& jobs) {
  std::map<std::string, uint64_t> running;
  for (auto& j : jobs)
    if (j.state == job_state::running && !j.model.empty())
      ++running[j.model];
  return running;
}

std::string error_json(const std::string& why) {
  return dump({{"error", why}});
}

} // namespace fovea
