#include "actors/shell_format.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <map>

namespace fovea {

namespace {

bool numeric(const std::string& cell) {
  return std::any_of(cell.begin(), cell.end(),
                     [](unsigned char c) { return std::isdigit(c); })
         && std::all_of(cell.begin(), cell.end(), [](unsigned char c) {
              return std::isdigit(c) || c == '.' || c == '/';
            });
}

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", decimals, value);
  return text;
}

} // namespace

std::string format_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c)
    width[c] = header[c].size();
  for (auto& row : rows)
    for (size_t c = 0; c < row.size() && c < width.size(); ++c)
      width[c] = std::max(width[c], row[c].size());
  auto line = [&](const std::vector<std::string>& cells, bool is_header) {
    std::string out;
    for (size_t c = 0; c < width.size(); ++c) {
      auto cell = c < cells.size() ? cells[c] : "";
      auto pad = std::string(width[c] - cell.size(), ' ');
      bool right = !is_header && numeric(cell);
      out += right ? pad + cell : cell + (c + 1 < width.size() ? pad : "");
      if (c + 1 < width.size())
        out += "  ";
    }
    while (!out.empty() && out.back() == ' ')
      out.pop_back();
    return out + "\n";
  };
  auto out = line(header, true);
  for (auto& row : rows)
    out += line(row, false);
  return out;
}

std::string format_duration(int64_t seconds) {
  if (seconds < 0)
    seconds = 0;
  if (seconds < 60)
    return std::to_string(seconds) + "s";
  if (seconds < 3600)
    return std::to_string(seconds / 60) + "m" + std::to_string(seconds % 60)
           + "s";
  if (seconds < 86400)
    return std::to_string(seconds / 3600) + "h"
           + std::to_string(seconds % 3600 / 60) + "m";
  return std::to_string(seconds / 86400) + "d"
         + std::to_string(seconds % 86400 / 3600) + "h";
}

std::string format_since(int64_t since, int64_t now) {
  auto local = [](int64_t unix_seconds) {
    std::tm parts{};
    auto t = static_cast<std::time_t>(unix_seconds);
    localtime_r(&t, &parts);
    return parts;
  };
  auto then = local(since);
  auto today = local(now);
  bool same_day = then.tm_year == today.tm_year && then.tm_yday == today.tm_yday;
  char text[32];
  std::strftime(text, sizeof(text), same_day ? "%H:%M:%S" : "%Y-%m-%d %H:%M",
                &then);
  return std::string{text} + " (" + format_duration(now - since) + ")";
}

std::string format_nodes(const std::vector<node_row>& nodes, int64_t now) {
  std::vector<std::vector<std::string>> rows;
  for (auto& n : nodes) {
    auto worker = n.role == node_role::worker;
    rows.push_back({n.id,
                    to_string(n.role)
                      + std::string{n.draining ? " (draining)" : ""},
                    n.address.empty() ? n.host : n.address,
                    n.model.empty() ? "-" : n.model,
                    worker ? std::to_string(n.credit) : "-",
                    worker ? std::to_string(n.slots) : "-",
                    worker ? std::to_string(n.in_flight) : "-",
                    std::to_string(n.done), fixed(n.rate, 1),
                    format_since(n.up_since, now)});
  }
  return format_table({"id", "role", "host:port", "model", "credit", "slots",
                       "in flight", "done", "images/s", "up since"},
                      rows);
}

std::string format_jobs(const std::vector<job_row>& jobs) {
  std::vector<std::vector<std::string>> rows;
  std::string notes; // why waiting jobs wait, under the table
  for (auto& j : jobs) {
    auto waiting = j.state == job_state::running && !j.note.empty();
    if (waiting)
      notes += "job " + std::to_string(j.id) + " waits: " + j.note + "\n";
    rows.push_back({std::to_string(j.id), j.name,
                    waiting ? std::string{"waiting"} : to_string(j.state),
                    j.model.empty() ? "-" : j.model,
                    std::to_string(j.done) + "/" + std::to_string(j.total),
                    std::to_string(j.errors), fixed(j.rate, 1),
                    j.state == job_state::running
                      ? fixed(100 * j.share, 0) + "%"
                      : "-",
                    fixed(j.seconds, 1)});
  }
  return format_table({"job", "name", "state", "model", "done", "errors",
                       "images/s", "share", "seconds"},
                      rows)
         + notes;
}

std::string format_status(const job_row& j) {
  auto percent = j.total > 0 ? 100.0 * j.done / j.total : 100.0;
  auto text = "job " + std::to_string(j.id) + " (" + j.name + ") "
              + to_string(j.state)
              + (j.model.empty() ? "" : " on " + j.model)
              + ": " + std::to_string(j.done) + "/" + std::to_string(j.total)
              + " (" + fixed(percent, 1) + "%), " + std::to_string(j.errors)
              + " errors, " + fixed(j.rate, 1) + " images/s";
  if (j.state == job_state::running && j.rate > 0 && j.done < j.total)
    text += ", ETA " + format_duration(static_cast<int64_t>(
              (j.total - j.done) / j.rate + 0.5));
  else
    text += ", " + fixed(j.seconds, 1) + " s";
  if (!j.note.empty())
    text += "; waits: " + j.note;
  return text;
}

std::string format_models(const std::vector<node_row>& nodes,
                          const std::vector<job_row>& jobs) {
  struct served {
    uint64_t workers = 0, draining = 0, slots = 0, in_flight = 0, jobs = 0;
    double rate = 0, online_rate = 0;
  };
  std::map<std::string, served> models;
  for (auto& n : nodes)
    if (n.role == node_role::worker) {
      auto& m = models[n.model];
      ++m.workers;
      m.draining += n.draining ? 1 : 0;
      m.slots += n.slots;
      m.in_flight += n.in_flight;
      m.rate += n.rate;
      m.online_rate += n.online_rate;
    }
  for (auto& j : jobs)
    if (j.state == job_state::running && !j.model.empty())
      ++models[j.model].jobs; // also a model no worker serves now
  std::vector<std::vector<std::string>> rows;
  for (auto& [name, m] : models)
    rows.push_back({name, std::to_string(m.workers),
                    std::to_string(m.draining), std::to_string(m.slots),
                    std::to_string(m.in_flight), fixed(m.rate, 1),
                    fixed(m.online_rate, 1), std::to_string(m.jobs)});
  // "online/s": of images/s, those of inference requests (the Open
  // Inference Protocol's, docs/inference.md).
  return format_table({"model", "workers", "draining", "slots", "in flight",
                       "images/s", "online/s", "jobs"},
                      rows);
}

std::string format_stats(const std::vector<node_row>& nodes,
                         const std::vector<job_row>& jobs) {
  uint64_t workers = 0, slots = 0, in_flight = 0, done = 0;
  double rate = 0;
  for (auto& n : nodes)
    if (n.role == node_role::worker) {
      ++workers;
      slots += n.slots;
      in_flight += n.in_flight;
      done += n.done;
      rate += n.rate;
    }
  uint64_t running = 0, ended = 0, rows = 0, errors = 0;
  for (auto& j : jobs) {
    (j.state == job_state::running ? running : ended) += 1;
    rows += j.done;
    errors += j.errors;
  }
  return format_table(
    {"workers", "slots", "in flight", "results", "images/s", "jobs running",
     "jobs ended", "rows", "errors"},
    {{std::to_string(workers), std::to_string(slots),
      std::to_string(in_flight), std::to_string(done), fixed(rate, 1),
      std::to_string(running), std::to_string(ended), std::to_string(rows),
      std::to_string(errors)}});
}

} // namespace fovea
