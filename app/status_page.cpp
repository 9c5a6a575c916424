#include "app/status_page.hpp"

#include <cstdio>

#include "actors/shell_format.hpp"
#include "app/status_json.hpp"

namespace fovea {

namespace status_assets {
extern const std::string_view status_js;
extern const std::string_view status_css;
extern const std::string_view favicon_svg;
} // namespace status_assets

namespace {

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", decimals, value);
  return text;
}

// One row of cells, each escaped.
std::string row(const std::vector<std::string>& cells) {
  std::string out = "<tr>";
  for (auto& cell : cells)
    out += "<td>" + html_escape(cell) + "</td>";
  return out + "</tr>\n";
}

std::string head(const std::vector<std::string>& names) {
  std::string out = "<thead><tr>";
  for (auto& name : names)
    out += "<th>" + name + "</th>";
  return out + "</tr></thead>\n";
}

std::string workers_table(const status_snapshot& s) {
  std::string out = "<table id=\"workers\">\n"
                    + head({"worker", "model", "state", "slots", "in flight",
                            "done", "images/s", "host", "up since"})
                    + "<tbody>\n";
  for (auto& n : s.nodes)
    if (n.role == node_role::worker)
      out += row({n.id, n.model, n.draining ? "draining" : "ready",
                  std::to_string(n.slots), std::to_string(n.in_flight),
                  std::to_string(n.done), fixed(n.rate, 1), n.host,
                  format_since(n.up_since, s.now)});
  return out + "</tbody></table>\n";
}

// A job's progress as a <progress> bar: the browser draws it, without
// script or style.
std::string job_row_html(const job_row& j) {
  auto eta = eta_seconds(j);
  std::string out = "<tr>";
  auto cell = [&](const std::string& text) {
    out += "<td>" + html_escape(text) + "</td>";
  };
  cell(std::to_string(j.id));
  cell(j.name);
  cell(j.owner);
  cell(j.model);
  cell(to_string(j.state));
  out += "<td><progress max=\"" + std::to_string(j.total) + "\" value=\""
         + std::to_string(j.done) + "\"></progress> "
         + std::to_string(j.done) + "/" + std::to_string(j.total) + "</td>";
  cell(std::to_string(j.errors));
  cell(fixed(j.rate, 1));
  cell(eta < 0 ? "" : format_duration(static_cast<int64_t>(eta + 0.5)));
  cell(j.note);
  return out + "</tr>\n";
}

std::string jobs_table(const status_snapshot& s) {
  std::string out = "<table id=\"jobs\">\n"
                    + head({"job", "name", "owner", "model", "state",
                            "progress", "errors", "images/s", "ETA",
                            "waits for"})
                    + "<tbody>\n";
  for (auto& j : s.jobs)
    out += job_row_html(j);
  return out + "</tbody></table>\n";
}

std::string models_table(const status_snapshot& s) {
  auto running = running_jobs_by_model(s.jobs);
  std::string out = "<table id=\"models\">\n"
                    + head({"model", "classes", "workers", "running jobs"})
                    + "<tbody>\n";
  for (auto& m : s.models) {
    auto label = m.name + "@" + m.version;
    out += row({label, std::to_string(m.classes), std::to_string(m.workers),
                std::to_string(running[label])});
  }
  return out + "</tbody></table>\n";
}

std::string mebibytes(uint64_t bytes) {
  return fixed(static_cast<double>(bytes) / (1024.0 * 1024.0), 1) + " MiB";
}

// A row of the queue's table: what, a <meter> against its limit, and the
// numbers in words.
std::string meter_row(const std::string& what, const std::string& key,
                      uint64_t value, uint64_t limit,
                      const std::string& words) {
  return "<tr data-key=\"" + key + "\"><td>" + html_escape(what)
         + "</td><td><meter min=\"0\" max=\"" + std::to_string(limit)
         + "\" high=\"" + std::to_string(limit - limit / 10) + "\" value=\""
         + std::to_string(value) + "\"></meter></td><td>"
         + html_escape(words) + "</td></tr>\n";
}

// What clients may still send: tasks and image bytes against their limits.
std::string queue_table(const status_snapshot& s) {
  auto& q = s.queue;
  return "<table id=\"queue\">\n" + head({"queue", "against its limit", ""})
         + "<tbody>\n"
         + meter_row("tasks queued", "tasks", q.tasks, q.tasks_limit,
                     std::to_string(q.tasks) + " of "
                       + std::to_string(q.tasks_limit))
         + meter_row("image bytes held", "bytes", q.bytes, q.bytes_limit,
                     mebibytes(q.bytes) + " of " + mebibytes(q.bytes_limit))
         + row({"batches in flight", "", std::to_string(q.batches_in_flight)})
         + row({"inference requests", "",
                std::to_string(q.online_requests) + " ("
                  + mebibytes(q.online_bytes) + ")"})
         + "</tbody></table>\n";
}

// The newest first, as many as the page shows.
std::string events_table(const status_snapshot& s) {
  constexpr size_t shown = 50;
  std::string out = "<table id=\"events\" data-last=\""
                    + std::to_string(s.events.empty() ? 0
                                                      : s.events.back().seq)
                    + "\">\n" + head({"when", "what", "event"})
                    + "<tbody>\n";
  size_t n = 0;
  for (auto e = s.events.rbegin(); e != s.events.rend() && n < shown;
       ++e, ++n)
    out += row({format_since(e->at_ms / 1000, s.now), to_string(e->kind),
                e->text});
  return out + "</tbody></table>\n";
}

} // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string status_page_html(const status_snapshot& snapshot,
                             bool can_change) {
  std::string coordinator;
  for (auto& n : snapshot.nodes)
    if (n.role == node_role::coordinator)
      coordinator = n.id;
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
         "<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width\">\n"
         "<title>fovea: "
         + html_escape(coordinator)
         + "</title>\n"
           "<link rel=\"stylesheet\" href=\"/assets/status.css\">\n"
           "<link rel=\"icon\" href=\"/assets/favicon.svg\">\n"
           "<script src=\"/assets/status.js\" defer></script>\n"
           "</head>\n<body data-can-change=\""
         + std::string{can_change ? "yes" : "no"}
         + "\">\n<header><h1>fovea coordinator "
         + html_escape(coordinator)
         + "</h1><p id=\"refreshed\">as of page load</p>"
           "<p id=\"changed\" role=\"status\"></p></header>\n"
           "<h2>Workers</h2>\n"
         + workers_table(snapshot) + "<h2>Jobs</h2>\n" + jobs_table(snapshot)
         + "<h2>Models</h2>\n" + models_table(snapshot)
         + "<h2>Queue</h2>\n" + queue_table(snapshot)
         + "<h2>Recent events</h2>\n" + events_table(snapshot)
         + "</body>\n</html>\n";
}

const char* status_page_policy() {
  return "default-src 'none'; script-src 'self'; style-src 'self'; "
         "img-src 'self'; connect-src 'self'; base-uri 'none'; "
         "form-action 'none'; frame-ancestors 'none'";
}

status_asset find_status_asset(std::string_view name) {
  if (name == "status.js")
    return {status_assets::status_js, "text/javascript; charset=utf-8"};
  if (name == "status.css")
    return {status_assets::status_css, "text/css; charset=utf-8"};
  if (name == "favicon.svg")
    return {status_assets::favicon_svg, "image/svg+xml"};
  return {};
}

} // namespace fovea
