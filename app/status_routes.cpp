#include "app/status_routes.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <string_view>

#include "app/status_http.hpp"
#include "app/status_json.hpp"
#include "app/status_page_routes.hpp"
#include "app/status_snapshot.hpp"

namespace fovea {

namespace {

const std::set<peer_role> changer_roles{peer_role::operator_};

constexpr std::string_view jobs_prefix = "/api/v1/jobs/";
constexpr std::string_view nodes_prefix = "/api/v1/nodes/";

// Why a change may not be made, or nothing: the caller must be an
// operator (a plain front cannot tell), confirm the action by a header no
// other site's page can make a browser send, and come from no other
// origin.
std::optional<http_answer> refuse_change(const http_request& request,
                                         const std::string& action) {
  if (request.who.role != peer_role::operator_)
    return status_json_error(403, "the status API is read-only here: "
                                  "cancelling and draining take an operator "
                                  "certificate, over the HTTPS a node with "
                                  "TLS serves");
  if (request.header("x-fovea-confirm") != action)
    return status_json_error(403, "send the header X-Fovea-Confirm: "
                                    + action + " to " + action);
  auto origin = request.header("origin");
  if (!origin.empty() && origin != "https://" + request.header("host"))
    return status_json_error(403, "a request from another origin ("
                                    + origin + ") may not " + action);
  return std::nullopt;
}

// "/api/v1/jobs/17/cancel" with prefix "/api/v1/jobs/" and action
// "cancel" -> "17"; "" if the path has another shape.
std::string middle_of(const std::string& path, std::string_view prefix,
                      const std::string& action) {
  auto rest = std::string_view{path}.substr(prefix.size());
  auto slash = rest.find('/');
  if (slash == std::string_view::npos || rest.substr(slash + 1) != action)
    return {};
  return std::string{rest.substr(0, slash)};
}

void cancel_job(const std::shared_ptr<status_gateway>& gateway,
                const http_request& request, const http_responder& respond) {
  auto id = middle_of(request.path, jobs_prefix, "cancel");
  if (id.empty() || id.size() > 19
      || !std::all_of(id.begin(), id.end(),
                      [](unsigned char c) { return std::isdigit(c); })) {
    respond(status_json_error(
      404, "POST /api/v1/jobs/ID/cancel, ID a job's number"));
    return;
  }
  if (auto refused = refuse_change(request, "cancel")) {
    respond(*refused);
    return;
  }
  auto job = std::stoull(id);
  gateway->cancel(job, [respond, job](caf::expected<uint64_t> rows) {
    if (!rows) {
      respond(status_failure(rows.error()));
      return;
    }
    respond(status_json_answer(200, cancelled_json(job, *rows)));
  });
}

void drain_worker(const std::shared_ptr<status_gateway>& gateway,
                  const http_request& request, const http_responder& respond) {
  auto id = middle_of(request.path, nodes_prefix, "drain");
  if (!valid_peer_name(id)) {
    respond(status_json_error(
      404, "POST /api/v1/nodes/ID/drain, ID a worker's id"));
    return;
  }
  if (auto refused = refuse_change(request, "drain")) {
    respond(*refused);
    return;
  }
  // A drain is answered once the worker has finished what it holds, which
  // can take longer than an HTTP client waits: look it up, start the
  // drain and answer 202 at once; the nodes list shows it draining.
  gateway->nodes([gateway, respond, id](caf::expected<std::vector<node_row>>
                                          nodes) {
    if (!nodes) {
      respond(status_failure(nodes.error()));
      return;
    }
    auto is_it = [&](const node_row& n) {
      return n.role == node_role::worker && n.id == id;
    };
    if (std::none_of(nodes->begin(), nodes->end(), is_it)) {
      respond(status_json_error(404, "no worker " + id + " is registered"));
      return;
    }
    gateway->drain(id, [](caf::expected<uint64_t>) {
      // The coordinator logs the drain's end; nobody waits for it here.
    });
    respond(status_json_answer(202, drain_started_json(id)));
  });
}

// N of a query "after=N" (0 without one); nothing if it is not a number.
std::optional<uint64_t> after_of(const std::string& query) {
  if (query.empty())
    return uint64_t{0};
  constexpr std::string_view key = "after=";
  if (query.compare(0, key.size(), key) != 0)
    return std::nullopt;
  auto digits = query.substr(key.size());
  if (digits.empty() || digits.size() > 19
      || !std::all_of(digits.begin(), digits.end(),
                      [](unsigned char c) { return std::isdigit(c); }))
    return std::nullopt;
  return std::stoull(digits);
}

} // namespace

std::vector<http_route> status_routes(std::shared_ptr<status_gateway> gateway) {
  auto routes = status_page_routes(gateway);
  auto read = [&](std::string path, auto ask) {
    http_route route;
    route.path = std::move(path);
    route.roles = status_reader_roles();
    route.answer_later = [gateway, ask](http_request, http_responder respond) {
      ask(*gateway, respond);
    };
    routes.push_back(std::move(route));
  };
  read("/api/v1/nodes", [](status_gateway& g, http_responder respond) {
    g.nodes([respond](caf::expected<std::vector<node_row>> nodes) {
      respond(nodes ? status_json_answer(200, nodes_json(*nodes))
                    : status_failure(nodes.error()));
    });
  });
  read("/api/v1/jobs", [](status_gateway& g, http_responder respond) {
    g.jobs([respond](caf::expected<std::vector<job_row>> jobs) {
      respond(jobs ? status_json_answer(200, jobs_json(*jobs))
                   : status_failure(jobs.error()));
    });
  });
  read("/api/v1/queue", [](status_gateway& g, http_responder respond) {
    g.queue([respond](caf::expected<queue_view> queue) {
      respond(queue ? status_json_answer(200, queue_json(*queue))
                    : status_failure(queue.error()));
    });
  });
  read("/api/v1/models", [gateway](status_gateway& g, http_responder respond) {
    g.models([gateway, respond](caf::expected<std::vector<served_model>>
                                  models) {
      if (!models) {
        respond(status_failure(models.error()));
        return;
      }
      gateway->jobs([respond, models = std::move(*models)](
                      caf::expected<std::vector<job_row>> jobs) {
        respond(jobs ? status_json_answer(200, models_json(models, *jobs))
                     : status_failure(jobs.error()));
      });
    });
  });
  // Routes that take ?after=N, the last event number the reader saw.
  auto after_route = [&](std::string path, auto answer) {
    http_route route;
    route.path = path;
    route.roles = status_reader_roles();
    route.answer_later = [gateway, path, answer](http_request request,
                                                 http_responder respond) {
      auto after = after_of(request.query);
      if (!after) {
        respond(status_json_error(400, "after must be a whole number: " + path
                                         + "?after=N"));
        return;
      }
      answer(gateway, *after, respond);
    };
    routes.push_back(std::move(route));
  };
  after_route("/api/v1/events", [](const std::shared_ptr<status_gateway>& g,
                                   uint64_t after, http_responder respond) {
    g->events(after, [respond, after](
                       caf::expected<std::vector<cluster_event>> got) {
      respond(got ? status_json_answer(200, events_json(*got, after))
                  : status_failure(got.error()));
    });
  });
  // All of the above in one answer: the page's refresh, one request.
  after_route("/api/v1/status", [](const std::shared_ptr<status_gateway>& g,
                                   uint64_t after, http_responder respond) {
    read_status(g, after, [respond, after](
                            caf::expected<status_snapshot> got) {
      respond(got ? status_json_answer(200, status_json(*got, after))
                  : status_failure(got.error()));
    });
  });
  auto change = [&](std::string_view prefix, auto act) {
    http_route route;
    route.method = "POST";
    route.path = std::string{prefix};
    route.prefix = true;
    route.roles = changer_roles;
    route.max_body_bytes = 1024; // nothing is read from it
    route.answer_later = [gateway, act](http_request request,
                                        http_responder respond) {
      act(gateway, request, respond);
    };
    routes.push_back(std::move(route));
  };
  change(jobs_prefix, cancel_job);
  change(nodes_prefix, drain_worker);
  return routes;
}

} // namespace fovea
