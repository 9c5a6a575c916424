#include "app/oip_routes.hpp"

#include <algorithm>
#include <set>
#include <variant>

#include "messages/errors.hpp"

namespace fovea {

namespace {

const std::set<peer_role> inference_roles{peer_role::client,
                                          peer_role::operator_};
const std::set<peer_role> health_roles{peer_role::monitor, peer_role::client,
                                       peer_role::operator_};

// The served model a path names: NAME@V, or NAME's newest version that a
// worker takes work for; none if not served.
const served_model* find_model(const std::vector<served_model>& models,
                               const oip_model_path& where) {
  const served_model* best = nullptr;
  for (auto& m : models) {
    if (m.name != where.name)
      continue;
    if (!where.version.empty()) {
      if (m.version == where.version)
        return &m;
      continue;
    }
    if (m.workers == 0)
      continue;
    if (!best || std::stoul(m.version) > std::stoul(best->version))
      best = &m;
  }
  return best;
}

oip_model_info info_of(const served_model& m) {
  oip_model_info info;
  info.name = m.name;
  info.version = m.version;
  info.width = m.width;
  info.height = m.height;
  info.channels = m.channels;
  info.labels = m.labels;
  if (info.labels.size() != m.classes) { // a worker that named none
    info.labels.clear();
    for (uint32_t i = 0; i < m.classes; ++i)
      info.labels.push_back(std::to_string(i));
  }
  return info;
}

std::string model_text(const oip_model_path& where) {
  return where.version.empty() ? where.name
                               : where.name + "@" + where.version;
}

http_answer not_served(const oip_model_path& where) {
  return oip_error(404, "model " + model_text(where) + " is not served");
}

// The rows' probabilities, one per class in class order; or the error
// answer if a worker could not classify an element.
std::variant<std::vector<std::vector<float>>, http_answer>
probabilities_of(const std::vector<prediction>& rows, size_t classes) {
  std::vector<std::vector<float>> out;
  out.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    auto& row = rows[i];
    if (!row.ok())
      return oip_error(400, "batch element " + std::to_string(i) + ": "
                              + row.error);
    auto& p = out.emplace_back(classes, 0.0f);
    for (size_t k = 0; k < row.top_labels.size(); ++k)
      if (static_cast<size_t>(row.top_labels[k]) < classes)
        p[row.top_labels[k]] = row.top_scores[k];
  }
  return out;
}

// The coordinator's tasks for a request read from its body.
std::vector<image_task> tasks_of(oip_infer_request& request,
                                 const oip_model_info& model) {
  std::vector<image_task> tasks;
  if (!request.images.empty()) {
    for (auto& image : request.images) {
      auto& task = tasks.emplace_back();
      task.bytes = std::move(image);
    }
    request.images.clear();
    return tasks;
  }
  auto per_image = size_t{model.channels} * model.height * model.width;
  for (size_t i = 0; i < request.batch; ++i) {
    auto& task = tasks.emplace_back();
    task.pixels = true;
    auto first = reinterpret_cast<const uint8_t*>(request.pixels.data()
                                                  + i * per_image);
    task.bytes.assign(first, first + per_image * sizeof(float));
  }
  request.pixels.clear();
  return tasks;
}

struct infer_context {
  std::shared_ptr<online_gateway> gateway;
  oip_route_options options;
};

void run_inference(const std::shared_ptr<infer_context>& context,
                   const http_request& http, const served_model& served, const http_responder& respond) {
  auto model = info_of(served);
  auto read = read_infer_request(
    http.body, http.header("inference-header-content-length"), model,
    context->options.limits);
  if (!read) {
    respond(oip_error(400, describe(read.error())));
    return;
  }
  auto request = std::make_shared<oip_infer_request>(std::move(*read));
  online_request online;
  online.model = served.name + "@" + served.version;
  online.principal = http.who.name.empty() ? std::string{"unauthenticated"}
                                           : http.who.name;
  // The client's deadline if it set a shorter one (rounded up to a
  // millisecond), else the server's.
  auto limit = static_cast<uint64_t>(context->options.timeout.count());
  auto own = (request->timeout_us + 999) / 1000;
  online.timeout_ms
    = static_cast<uint32_t>(own > 0 ? std::min(own, limit) : limit);
  online.tasks = tasks_of(*request, model);
  auto deadline_ms = online.timeout_ms;
  auto key = context->gateway->infer(
    std::move(online),
    [respond, request, model,
     deadline_ms](caf::expected<std::vector<prediction>> rows) {
      if (!rows) {
        auto status = oip_status_of(rows.error());
        respond(oip_error(status, status == 504
                                    ? "no answer within the request's "
                                      "deadline of "
                                        + std::to_string(deadline_ms) + " ms"
                                    : describe(rows.error())));
        return;
      }
      auto probabilities = probabilities_of(*rows, model.labels.size());
      if (auto* failed = std::get_if<http_answer>(&probabilities)) {
        respond(std::move(*failed));
        return;
      }
      respond(write_infer_answer(
        *request, model,
        std::get<std::vector<std::vector<float>>>(probabilities)));
    });
  std::weak_ptr<online_gateway> weak = context->gateway;
  respond.when_abandoned([weak, key] {
    if (auto gateway = weak.lock())
      gateway->abandon(key);
  });
}

// GET and POST under /v2/models/.
void answer_model_path(const std::shared_ptr<infer_context>& context,
                   http_request http, http_responder respond) {
  auto where = read_model_path(http.path);
  if (!where) {
    respond(oip_error(404, describe(where.error())));
    return;
  }
  auto wants_infer = where->action == "infer";
  if (wants_infer != (http.method == "POST")) {
    respond(oip_error(405, http.method + " " + http.path
                             + ": infer takes POST, the rest GET"));
    return;
  }
  auto shared_request = std::make_shared<http_request>(std::move(http));
  context->gateway->models(
    [context, where = *where, shared_request,
     respond](caf::expected<std::vector<served_model>> models) {
      if (!models) {
        respond(oip_error(oip_status_of(models.error()),
                          describe(models.error())));
        return;
      }
      auto* served = find_model(*models, where);
      if (where.action == "ready") {
        respond(oip_ready("ready", served && served->workers > 0,
                          where.name));
        return;
      }
      if (!served) {
        respond(not_served(where));
        return;
      }
      if (where.action.empty()) {
        respond(oip_model_metadata(info_of(*served)));
        return;
      }
      run_inference(context, *shared_request, *served, respond);
    });
}

} // namespace

unsigned oip_status_of(const caf::error& err) {
  if (err.category() != error_category)
    return 500;
  switch (static_cast<errc>(err.code())) {
    case errc::invalid_request:
    case errc::bad_image:
      return 400;
    case errc::not_permitted:
      return 403;
    case errc::model_unserved:
      return 404;
    case errc::over_limit:
      return 429;
    case errc::busy:
      return 503;
    case errc::deadline_passed:
      return 504;
    default:
      return 500;
  }
}

std::vector<http_route> oip_routes(std::shared_ptr<online_gateway> gateway,
                                   oip_route_options options) {
  auto context = std::make_shared<infer_context>(
    infer_context{std::move(gateway), std::move(options)});
  std::vector<http_route> routes;
  auto add = [&](std::string method, std::string path, bool prefix,
                 const std::set<peer_role>& roles) -> http_route& {
    auto& route = routes.emplace_back();
    route.method = std::move(method);
    route.path = std::move(path);
    route.prefix = prefix;
    route.roles = roles;
    return route;
  };
  add("GET", "/v2/health/live", false, health_roles).handler
    = [](const http_request&) { return oip_ready("live", true); };
  add("GET", "/v2/health/ready", false, health_roles).answer_later
    = [context](http_request, http_responder respond) {
        context->gateway->models(
          [respond](caf::expected<std::vector<served_model>> models) {
            auto ready = models
                         && std::any_of(models->begin(), models->end(),
                                        [](const served_model& m) {
                                          return m.workers > 0;
                                        });
            respond(oip_ready("ready", ready));
          });
      };
  add("GET", "/v2", false, health_roles).handler
    = [version = context->options.version](const http_request&) {
        return oip_server_metadata(version);
      };
  add("GET", "/v2/models/", true, inference_roles).answer_later
    = [context](http_request http, http_responder respond) {
        answer_model_path(context, std::move(http), std::move(respond));
      };
  auto& infer = add("POST", "/v2/models/", true, inference_roles);
  infer.answer_later = [context](http_request http, http_responder respond) {
    answer_model_path(context, std::move(http), std::move(respond));
  };
  // A batch of the largest images, base64 (4/3) inside JSON, but never
  // more than the coordinator could hold of requests at once: a body is
  // held whole while it is read.
  auto& opts = context->options;
  auto base64 = [](uint64_t bytes) { return bytes / 3 * 4 + 16; };
  infer.max_body_bytes
    = std::min(opts.limits.max_batch * base64(opts.limits.max_image_bytes),
               base64(opts.max_queued_bytes))
      + (1u << 20);
  return routes;
}

} // namespace fovea
