#include "app/oip_routes.hpp"

#include <algorithm>
#include <set>

#include "app/oip_serving.hpp"
#include "messages/errors.hpp"

namespace fovea {

namespace {

const std::set<peer_role> inference_roles{peer_role::client,
                                          peer_role::operator_};
const std::set<peer_role> health_roles{peer_role::monitor, peer_role::client,
                                       peer_role::operator_};

const served_model* find_model(const std::vector<served_model>& models,
                               const oip_model_path& where) {
  return find_served_model(models, where.name, where.version);
}

http_answer not_served(const oip_model_path& where) {
  return oip_error(404, "model " + model_text(where.name, where.version)
                          + " is not served");
}

struct infer_context {
  std::shared_ptr<online_gateway> gateway;
  oip_route_options options;
};

void run_inference(const std::shared_ptr<infer_context>& context,
                   const http_request& http, const served_model& served,
                   const http_responder& respond) {
  auto model = info_of(served);
  auto read = read_infer_request(
    http.body, http.header("inference-header-content-length"), model,
    context->options.limits);
  if (!read) {
    respond(oip_error(400, describe(read.error())));
    return;
  }
  auto request = std::make_shared<oip_infer_request>(std::move(*read));
  auto online = online_request_of(
    *request, served, model,
    http.who.name.empty() ? std::string{"unauthenticated"} : http.who.name,
    context->options.timeout);
  auto deadline_ms = online.timeout_ms;
  auto key = context->gateway->infer(
    std::move(online),
    [respond, request, model,
     deadline_ms](caf::expected<std::vector<prediction>> rows) {
      if (!rows) {
        respond(oip_error(oip_status_of(rows.error()),
                          failure_text(rows.error(), deadline_ms)));
        return;
      }
      auto probabilities = probabilities_of(*rows, model.labels.size());
      if (!probabilities) {
        respond(oip_error(oip_status_of(probabilities.error()),
                          describe(probabilities.error())));
        return;
      }
      respond(write_infer_answer(*request, model, *probabilities));
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
