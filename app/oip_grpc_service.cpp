#include "app/oip_grpc_service.hpp"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>

#include <grpcpp/grpcpp.h>
#include <openssl/pem.h>

#include "app/oip_routes.hpp"
#include "app/oip_serving.hpp"
#include "edge/oip_grpc.hpp"
#include "messages/errors.hpp"
#include "open_inference_grpc.grpc.pb.h"

namespace fovea {

namespace {

using grpc::Status;
using grpc::StatusCode;

// gRPC's code for an error of the coordinator's, by its HTTP status.
StatusCode code_of(const caf::error& err) {
  switch (oip_status_of(err)) {
  case 400:
    return StatusCode::INVALID_ARGUMENT;
  case 403:
    return StatusCode::PERMISSION_DENIED;
  case 404:
    return StatusCode::NOT_FOUND;
  case 429:
  case 503:
    return StatusCode::RESOURCE_EXHAUSTED;
  case 504:
    return StatusCode::DEADLINE_EXCEEDED;
  default:
    return err.category() == caf::atom("system") ? StatusCode::UNAVAILABLE
                                                 : StatusCode::INTERNAL;
  }
}

// Who is calling: the client certificate's name and role (gRPC has
// checked it against the CA and the CRL), or nobody on a plain port.
struct caller {
  bool known = false;
  std::string name;
  peer_role role = peer_role::unauthenticated;
};

caller caller_of(const grpc::ServerContext& context, bool tls) {
  caller who;
  if (!tls)
    return who;
  auto auth = context.auth_context();
  if (!auth)
    return who;
  auto pem = auth->FindPropertyValues("x509_pem_cert");
  if (pem.empty())
    return who;
  bio_ptr bio{BIO_new_mem_buf(pem.front().data(),
                              static_cast<int>(pem.front().size()))};
  x509_ptr certificate{
      bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr};
  who.known =
      certificate && read_identity(certificate.get(), who.name, who.role);
  return who;
}

enum class needs { health, inference };

} // namespace

class oip_grpc_service::calls {
public:
  using async = inference::GRPCInferenceService::AsyncService;

  calls(std::shared_ptr<online_gateway> gateway, oip_grpc_options options)
      : gateway_(std::move(gateway)), options_(std::move(options)) {}

  grpc::Service& grpc_service() { return async_; }

  /// Asks gRPC for the calls `queue`'s thread serves: several ModelInfer
  /// calls at once, so that a burst of them waits for no other.
  void serve(grpc::ServerCompletionQueue& queue, grpc_call_count& count) {
    using namespace inference;
    start<ServerLiveRequest, ServerLiveResponse>(&async::RequestServerLive,
                                                 live_, queue, count);
    start<ServerReadyRequest, ServerReadyResponse>(&async::RequestServerReady,
                                                   ready_, queue, count);
    start<ServerMetadataRequest, ServerMetadataResponse>(
        &async::RequestServerMetadata, metadata_, queue, count);
    start<ModelReadyRequest, ModelReadyResponse>(&async::RequestModelReady,
                                                 model_ready_, queue, count);
    start<ModelMetadataRequest, ModelMetadataResponse>(
        &async::RequestModelMetadata, model_metadata_, queue, count);
    for (int i = 0; i < infer_calls_asked; ++i)
      start<ModelInferRequest, ModelInferResponse>(&async::RequestModelInfer,
                                                   infer_, queue, count);
  }

private:
  // ModelInfer calls asked of gRPC at once per queue.
  static constexpr int infer_calls_asked = 16;

  // Declared before the handlers, which read options_ when made.
  async async_;
  std::shared_ptr<online_gateway> gateway_;
  oip_grpc_options options_;
  /// A copy of options_ that answers arriving after the server stopped
  /// may still read.
  std::shared_ptr<const oip_grpc_options> serving_ =
      std::make_shared<const oip_grpc_options>(options_);

  using models_or_error = caf::expected<std::vector<served_model>>;

  template <class Request, class Response>
  using call = grpc_unary_call<async, Request, Response>;

  template <class Response>
  using reply_ptr = std::shared_ptr<unary_reply<Response>>;

  template <class Request, class Response>
  using handler =
      std::shared_ptr<const typename call<Request, Response>::handler_fn>;

  template <class Request, class Response>
  void start(typename call<Request, Response>::ask_fn ask,
             const handler<Request, Response>& with,
             grpc::ServerCompletionQueue& queue, grpc_call_count& count) {
    call<Request, Response>::start(async_, ask, with, queue, count);
  }

  template <class Request, class Response, class Fn>
  static handler<Request, Response> make_handler(Fn fn) {
    return std::make_shared<const typename call<Request, Response>::handler_fn>(
        std::move(fn));
  }

  bool tls() const { return options_.tls.has_value(); }

  static Status not_served(const std::string& name,
                           const std::string& version) {
    return Status{StatusCode::NOT_FOUND,
                  "model " + model_text(name, version) + " is not served"};
  }

  // Why `who` may not make a call that `what` needs, if not.
  std::optional<Status> refusal(const caller& who, needs what) const {
    if (!tls())
      return std::nullopt;
    auto allowed = who.role == peer_role::client ||
                   who.role == peer_role::operator_ ||
                   (what == needs::health && who.role == peer_role::monitor);
    if (who.known && allowed)
      return std::nullopt;
    return Status{StatusCode::PERMISSION_DENIED,
                  who.known ? "a certificate of role " +
                                  std::string{to_string(who.role)} +
                                  " may not call this"
                            : std::string{"no fovea client certificate"}};
  }

  std::optional<Status> authorize(const grpc::ServerContext& context,
                                  needs what) const {
    return refusal(caller_of(context, tls()), what);
  }

  // A handler answering at once with what `fill(response)` writes, if the
  // caller may ask.
  template <class Request, class Response, class Fill>
  handler<Request, Response> at_once(needs what, Fill fill) {
    return make_handler<Request, Response>(
        [this, what, fill](grpc::ServerContext& context, const Request&,
                           const reply_ptr<Response>& reply) {
          auto refused = authorize(context, what);
          reply->answer([&](Response& response) {
            if (refused)
              return *refused;
            fill(response);
            return Status::OK;
          });
        });
  }

  // A handler answering with `answer(request, models, response)` once the
  // gateway says what the coordinator serves (or why it could not), if the
  // caller may ask. The gateway's callback outlives the server (it holds
  // no `this`), and reads the request only while the reply is open:
  // answer() runs it only then.
  template <class Request, class Response, class Answer>
  handler<Request, Response> from_models(needs what, Answer answer) {
    return make_handler<Request, Response>(
        [this, what, answer](grpc::ServerContext& context,
                             const Request& request,
                             const reply_ptr<Response>& reply) {
          if (auto refused = authorize(context, what)) {
            reply->fail(*refused);
            return;
          }
          gateway_->models(
              [reply, answer, request = &request](models_or_error models) {
                reply->answer([&](Response& response) {
                  return answer(*request, models, response);
                });
              });
        });
  }

  handler<inference::ServerLiveRequest, inference::ServerLiveResponse> live_ =
      at_once<inference::ServerLiveRequest, inference::ServerLiveResponse>(
          needs::health, [](auto& response) { response.set_live(true); });

  handler<inference::ServerMetadataRequest, inference::ServerMetadataResponse>
      metadata_ = at_once<inference::ServerMetadataRequest,
                          inference::ServerMetadataResponse>(
          needs::health, [version = options_.version](auto& response) {
            response.set_name("fovea");
            response.set_version(version);
            response.add_extensions("binary_tensor_data");
            response.add_extensions("classification");
          });

  handler<inference::ServerReadyRequest, inference::ServerReadyResponse>
      ready_ = from_models<inference::ServerReadyRequest,
                           inference::ServerReadyResponse>(
          needs::health,
          [](const auto&, const models_or_error& models, auto& response) {
            response.set_ready(models &&
                               std::any_of(models->begin(), models->end(),
                                           [](const served_model& m) {
                                             return m.workers > 0;
                                           }));
            return Status::OK;
          });

  handler<inference::ModelReadyRequest, inference::ModelReadyResponse>
      model_ready_ = from_models<inference::ModelReadyRequest,
                                 inference::ModelReadyResponse>(
          needs::inference, [](const auto& request,
                               const models_or_error& models, auto& response) {
            auto* served = models ? find_served_model(*models, request.name(),
                                                      request.version())
                                  : nullptr;
            response.set_ready(served && served->workers > 0);
            return Status::OK;
          });

  handler<inference::ModelMetadataRequest, inference::ModelMetadataResponse>
      model_metadata_ = from_models<inference::ModelMetadataRequest,
                                    inference::ModelMetadataResponse>(
          needs::inference, [](const auto& request,
                               const models_or_error& models, auto& response) {
            if (!models)
              return Status{code_of(models.error()), describe(models.error())};
            auto* served =
                find_served_model(*models, request.name(), request.version());
            if (!served)
              return not_served(request.name(), request.version());
            write_grpc_model_metadata(info_of(*served), response);
            return Status::OK;
          });

  handler<inference::ModelInferRequest, inference::ModelInferResponse> infer_ =
      make_handler<inference::ModelInferRequest, inference::ModelInferResponse>(
          [this](grpc::ServerContext& context,
                 const inference::ModelInferRequest& request,
                 const reply_ptr<inference::ModelInferResponse>& reply) {
            infer(context, request, reply);
          });

  void infer(const grpc::ServerContext& context,
             const inference::ModelInferRequest& request,
             const reply_ptr<inference::ModelInferResponse>& reply) const {
    auto who = caller_of(context, tls());
    if (auto refused = refusal(who, needs::inference)) {
      reply->fail(*refused);
      return;
    }
    // The call's own deadline, if the client set one (gRPC's "infinite"
    // is far past the server's limit).
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        context.deadline() - std::chrono::system_clock::now());
    auto principal = who.known ? who.name : std::string{"unauthenticated"};
    // Not `this`: the answer may come after the server stopped.
    gateway_->models([serving = serving_, gateway = gateway_, reply,
                      request = &request, principal,
                      left](models_or_error models) {
      std::optional<Status> failed;
      std::optional<oip_infer_request> read;
      served_model served;
      // gRPC frees `request` once the call is answered (a client's cancel
      // answers it): read it only while it is not.
      auto open = reply->while_open([&] {
        auto* found = models ? find_served_model(*models, request->model_name(),
                                                 request->model_version())
                             : nullptr;
        if (!models) {
          failed = Status{code_of(models.error()), describe(models.error())};
        } else if (!found) {
          failed = not_served(request->model_name(), request->model_version());
        } else {
          served = *found;
          auto parsed = read_grpc_infer_request(*request, info_of(served),
                                                serving->limits);
          if (parsed)
            read = std::move(*parsed);
          else
            failed =
                Status{StatusCode::INVALID_ARGUMENT, describe(parsed.error())};
        }
      });
      if (!open)
        return;
      if (failed)
        reply->fail(std::move(*failed));
      else
        run(serving, gateway, reply, std::move(*read), served, principal, left);
    });
  }

  // Sends `read`, taken from the wire, to the coordinator.
  static void run(const std::shared_ptr<const oip_grpc_options>& serving,
                  const std::shared_ptr<online_gateway>& gateway,
                  const reply_ptr<inference::ModelInferResponse>& reply,
                  oip_infer_request read, const served_model& served,
                  const std::string& principal,
                  std::chrono::milliseconds left) {
    auto model = info_of(served);
    auto request = std::make_shared<oip_infer_request>(std::move(read));
    auto server = serving->timeout;
    if (left < server)
      server = std::max(left, std::chrono::milliseconds{1});
    auto online = online_request_of(*request, served, model, principal, server);
    auto deadline_ms = online.timeout_ms;
    auto key = gateway->infer(
        std::move(online), [reply, request, model, deadline_ms](
                               caf::expected<std::vector<prediction>> rows) {
          if (!rows) {
            reply->fail(Status{code_of(rows.error()),
                               failure_text(rows.error(), deadline_ms)});
            return;
          }
          auto probabilities = probabilities_of(*rows, model.labels.size());
          if (!probabilities) {
            reply->fail(Status{code_of(probabilities.error()),
                               describe(probabilities.error())});
            return;
          }
          reply->answer([&](inference::ModelInferResponse& response) {
            write_grpc_infer_answer(*request, model, *probabilities, response);
            return Status::OK;
          });
        });
    // A client that goes abandons its request: the coordinator drops it.
    if (!reply->on_cancel([gateway, key] { gateway->abandon(key); }))
      gateway->abandon(key);
  }
};

oip_grpc_service::oip_grpc_service(std::shared_ptr<online_gateway> gateway,
                                   oip_grpc_options options)
    : calls_(std::make_unique<calls>(std::move(gateway), std::move(options))) {
}

oip_grpc_service::~oip_grpc_service() = default;

grpc::Service& oip_grpc_service::grpc_service() {
  return calls_->grpc_service();
}

void oip_grpc_service::serve(grpc::ServerCompletionQueue& queue,
                             grpc_call_count& count) {
  calls_->serve(queue, count);
}

} // namespace fovea
