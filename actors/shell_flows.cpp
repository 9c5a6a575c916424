// The shell's flows: each command that asks the coordinator, written as a
// coroutine that awaits the answer and prints it (shell.cpp keeps the
// command table, help and dispatch).
#include "actors/shell_flows.hpp"

#include <chrono>
#include <cstdlib>

#include <caf/system_messages.hpp>

#include "actors/coroutine.hpp"
#include "actors/rate_meter.hpp"
#include "actors/remote.hpp"
#include "actors/shell_format.hpp"
#include "messages/errors.hpp"

namespace fovea::shell_flows {

void print(shell_pointer self, const std::string& text) {
  self->state.options.print(text);
}

void done(shell_pointer self, bool ok) {
  self->state.options.done(ok, self->state.coordinator);
}

void fail(shell_pointer self, const std::string& line) {
  self->state.options.complain(line);
  done(self, false);
}

namespace {

// `wait` and `drain` last as long as the work does.
constexpr auto long_timeout = std::chrono::hours(24);

bool parse_job(const std::string& text, uint64_t& id) {
  char* end = nullptr;
  id = std::strtoull(text.c_str(), &end, 10);
  return !text.empty() && *end == '\0';
}

actor_flow connect(shell_pointer self, std::string address) {
  auto where = parse_endpoint(address);
  if (!where) {
    fail(self, describe(where.error()));
    co_return;
  }
  auto& routes = self->state.options.routes;
  auto attempt = ask_connect(self, *where, routes.get(),
                             self->state.options.request_timeout);
  auto reply = co_await attempt;
  auto found = as_coordinator(self->system(), std::move(reply), *where,
                              routes.get());
  if (!found) {
    fail(self, describe(found.error()));
    co_return;
  }
  if (self->state.coordinator)
    self->demonitor(self->state.coordinator.address());
  self->state.coordinator = *found;
  self->state.address = address;
  self->monitor(*found);
  auto ping = ask<std::string>(self, *found,
                               self->state.options.request_timeout,
                               ping_atom::value);
  auto id = co_await ping;
  if (!id) {
    fail(self, describe(id.error()));
    co_return;
  }
  print(self, "connected to coordinator " + *id + " at " + address + "\n");
  done(self, true);
}

actor_flow ping(shell_pointer self) {
  auto started = std::chrono::steady_clock::now();
  auto request = ask<std::string>(self, self->state.coordinator,
                                  self->state.options.request_timeout,
                                  ping_atom::value);
  auto id = co_await request;
  if (!id) {
    fail(self, "ping: " + describe(id.error()));
    co_return;
  }
  auto ms = std::chrono::duration<double, std::milli>(
              std::chrono::steady_clock::now() - started)
              .count();
  char text[128];
  std::snprintf(text, sizeof(text), "pong from %s in %.1f ms\n", id->c_str(),
                ms);
  print(self, text);
  done(self, true);
}

actor_flow nodes(shell_pointer self) {
  auto request = ask<std::vector<node_row>>(
    self, self->state.coordinator, self->state.options.request_timeout,
    nodes_atom::value);
  auto rows = co_await request;
  if (!rows) {
    fail(self, "nodes: " + describe(rows.error()));
    co_return;
  }
  // A coordinator cannot know which of its addresses a shell reached it at
  // (it may listen on every interface, or sit behind NAT): this one can.
  for (auto& row : *rows)
    if (row.role == node_role::coordinator)
      row.address = self->state.address;
  if (self->state.options.saw_nodes)
    self->state.options.saw_nodes(*rows);
  print(self, format_nodes(*rows, unix_now()));
  done(self, true);
}

actor_flow jobs(shell_pointer self, std::string which) {
  auto request = ask<std::vector<job_row>>(
    self, self->state.coordinator, self->state.options.request_timeout,
    jobs_atom::value);
  auto rows = co_await request;
  if (!rows) {
    fail(self, "jobs: " + describe(rows.error()));
    co_return;
  }
  if (which == "*") {
    print(self, format_jobs(*rows));
    done(self, true);
    co_return;
  }
  // status [JOB]: the named job, or every running one.
  bool any = false;
  for (auto& row : *rows)
    if (which.empty() ? row.state == job_state::running
                      : std::to_string(row.id) == which || row.name == which) {
      print(self, format_status(row) + "\n");
      any = true;
    }
  if (!any && !which.empty()) {
    fail(self, "status: no job " + which);
    co_return;
  }
  if (!any)
    print(self, "no job is running\n");
  done(self, true);
}

actor_flow wait_for(shell_pointer self, uint64_t id) {
  auto request = ask<job_row>(self, self->state.coordinator, long_timeout,
                              wait_atom::value, id);
  auto row = co_await request;
  if (!row) {
    fail(self, "wait: " + describe(row.error()));
    co_return;
  }
  print(self, format_status(*row) + "\n");
  done(self, row->state == job_state::finished);
}

actor_flow cancel(shell_pointer self, uint64_t id) {
  auto request = ask<uint64_t>(self, self->state.coordinator,
                               self->state.options.request_timeout,
                               cancel_atom::value, id);
  auto rows = co_await request;
  if (!rows) {
    fail(self, "cancel: " + describe(rows.error()));
    co_return;
  }
  print(self, "job " + std::to_string(id) + " cancelled after "
                + std::to_string(*rows) + " rows\n");
  done(self, true);
}

actor_flow drain(shell_pointer self, std::string worker) {
  auto request = ask<uint64_t>(self, self->state.coordinator, long_timeout,
                               drain_atom::value, worker);
  auto results = co_await request;
  if (!results) {
    fail(self, "drain: " + describe(results.error()));
    co_return;
  }
  print(self, "worker " + worker + " drained after "
                + std::to_string(*results) + " results; it is leaving\n");
  done(self, true);
}

// `stats` (totals) or `models` (per model): both from nodes and jobs.
actor_flow stats(shell_pointer self, std::string what) {
  auto& st = self->state;
  auto ask_nodes = ask<std::vector<node_row>>(self, st.coordinator,
                                              st.options.request_timeout,
                                              nodes_atom::value);
  auto nodes = co_await ask_nodes;
  auto ask_jobs = ask<std::vector<job_row>>(self, st.coordinator,
                                            st.options.request_timeout,
                                            jobs_atom::value);
  auto jobs = co_await ask_jobs;
  if (!nodes || !jobs) {
    fail(self, what + ": " + describe(nodes ? jobs.error() : nodes.error()));
    co_return;
  }
  print(self, what == "models" ? format_models(*nodes, *jobs)
                               : format_stats(*nodes, *jobs));
  done(self, true);
}

} // namespace

// The commands' entries: each checks nothing the table's counts and the
// connection check in run() already did.
void run_connect(shell_pointer self, const words& line) {
  connect(self, line[1]);
}
void run_nodes(shell_pointer self, const words&) { nodes(self); }
void run_jobs(shell_pointer self, const words&) { jobs(self, "*"); }
void run_status(shell_pointer self, const words& line) {
  jobs(self, line.size() > 1 ? line[1] : "");
}
void run_wait_or_cancel(shell_pointer self, const words& line) {
  uint64_t id = 0;
  if (!parse_job(line[1], id))
    fail(self, line[0] + ": JOB is a job number (see `jobs`)");
  else if (line[0] == "wait")
    wait_for(self, id);
  else
    cancel(self, id);
}
void run_drain(shell_pointer self, const words& line) { drain(self, line[1]); }
void run_stats(shell_pointer self, const words& line) { stats(self, line[0]); }
void run_ping(shell_pointer self, const words&) { ping(self); }

} // namespace fovea::shell_flows
