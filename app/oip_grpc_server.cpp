#include "app/oip_grpc_server.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <openssl/pem.h>
#include <pthread.h>

#include "app/oip_routes.hpp"
#include "app/oip_serving.hpp"
#include "edge/grpc_runtime.hpp"
#include "edge/grpc_unary_call.hpp"
#include "edge/oip_grpc.hpp"
#include "messages/errors.hpp"
#include "open_inference_grpc.grpc.pb.h"

namespace fovea {

namespace {

namespace fs = std::filesystem;
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

std::string file_text(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace

// The service's calls, on the queues the server gives it (not in the
// anonymous namespace: the server's state holds it).
class oip_grpc_service {
public:
  using async = inference::GRPCInferenceService::AsyncService;

  oip_grpc_service(std::shared_ptr<online_gateway> gateway,
                   oip_grpc_options options)
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

  // Answers at once with what `fill` writes, if the caller may ask.
  template <class Response, class Fill>
  void answer_now(const grpc::ServerContext& context, needs what,
                  const reply_ptr<Response>& reply, Fill fill) const {
    auto refused = authorize(context, what);
    reply->answer([&](Response& response) {
      if (refused)
        return *refused;
      fill(response);
      return Status::OK;
    });
  }

  // Answers with `answer(models, response)` once the gateway says what the
  // coordinator serves (or why it could not), if the caller may ask.
  // `answer` outlives the server (it must not hold `this`), and reads its
  // request only while the reply is open: answer() runs it only then.
  template <class Response, class Answer>
  void answer_with_models(const grpc::ServerContext& context, needs what,
                          const reply_ptr<Response>& reply,
                          Answer answer) const {
    if (auto refused = authorize(context, what)) {
      reply->fail(*refused);
      return;
    }
    gateway_->models([reply, answer](models_or_error models) {
      reply->answer(
          [&](Response& response) { return answer(models, response); });
    });
  }

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

  // A handler answering at once with what `fill(response)` writes.
  template <class Request, class Response, class Fill>
  handler<Request, Response> at_once(needs what, Fill fill) {
    return make_handler<Request, Response>(
        [this, what, fill](grpc::ServerContext& context, const Request&,
                           const reply_ptr<Response>& reply) {
          answer_now(context, what, reply, fill);
        });
  }

  // A handler answering with `answer(request, models, response)`.
  template <class Request, class Response, class Answer>
  handler<Request, Response> from_models(needs what, Answer answer) {
    return make_handler<Request, Response>(
        [this, what, answer](grpc::ServerContext& context,
                             const Request& request,
                             const reply_ptr<Response>& reply) {
          answer_with_models(
              context, what, reply,
              [answer, request = &request](const models_or_error& models,
                                           Response& response) {
                return answer(*request, models, response);
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

namespace {

// A folder holding `crl` under the name OpenSSL's hashed lookup wants
// (<issuer hash>.r0), which is how gRPC 1.51 takes a revocation list.
std::string crl_folder(const std::string& crl, std::string& problem) {
  std::string problem_reading;
  auto list = read_revocation_list(crl, problem_reading);
  if (!list) {
    problem = "fovea.crl: " + problem_reading;
    return {};
  }
  char name[] = "/tmp/fovea-grpc-crl-XXXXXX";
  if (!mkdtemp(name)) {
    problem = "cannot make a folder for the revocation list in /tmp";
    return {};
  }
  char file[16];
  std::snprintf(file, sizeof file, "%08lx.r0",
                X509_NAME_hash_ex(X509_CRL_get_issuer(list.get()), nullptr,
                                  nullptr, nullptr));
  std::error_code ec;
  fs::copy_file(crl, fs::path{name} / file, ec);
  if (ec) {
    problem = "fovea.crl: cannot copy " + crl + ": " + ec.message();
    fs::remove_all(name, ec);
    return {};
  }
  return name;
}

} // namespace

// Threads that serve calls, each with its own completion queue: half the
// cores, as the node's actors and LibTorch want the rest (on 2 cores, one;
// at most 4, which parse and answer far more calls than a coordinator's
// workers can classify).
unsigned grpc_threads() {
  return std::clamp(std::thread::hardware_concurrency() / 2, 1u, 4u);
}

struct oip_grpc_server::state {
  oip_grpc_options options;
  std::unique_ptr<oip_grpc_service> served;
  std::unique_ptr<grpc::Server> server;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues;
  std::vector<std::thread> threads;
  grpc_call_count calls;
  int port = 0;
  std::string crl_dir;
  std::once_flag stopped;
};

std::unique_ptr<oip_grpc_server>
oip_grpc_server::start(oip_grpc_options options,
                       std::shared_ptr<online_gateway> gateway,
                       std::string& problem) {
  tune_grpc_runtime();
  std::unique_ptr<oip_grpc_server> result{new oip_grpc_server};
  result->state_ = std::make_unique<state>();
  auto& s = *result->state_;
  s.options = options;
  std::shared_ptr<grpc::ServerCredentials> credentials;
  if (options.tls) {
    auto& files = *options.tls;
    if (!tls_credentials::load(files, problem))
      return nullptr;
    using namespace grpc::experimental;
    auto provider = std::make_shared<StaticDataCertificateProvider>(
        file_text(files.ca),
        std::vector<IdentityKeyCertPair>{
            {file_text(files.key), file_text(files.certificate)}});
    TlsServerCredentialsOptions tls{provider};
    tls.watch_root_certs();
    tls.watch_identity_key_cert_pairs();
    tls.set_cert_request_type(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    if (!files.crl.empty()) {
      s.crl_dir = crl_folder(files.crl, problem);
      if (s.crl_dir.empty())
        return nullptr;
      tls.set_crl_directory(s.crl_dir);
    }
    credentials = grpc::experimental::TlsServerCredentials(tls);
  } else {
    credentials = grpc::InsecureServerCredentials();
  }
  s.served = std::make_unique<oip_grpc_service>(std::move(gateway), options);
  grpc::ServerBuilder builder;
  auto host = options.host.find(':') != std::string::npos
                  ? "[" + options.host + "]"
                  : options.host;
  builder.AddListeningPort(host + ":" + std::to_string(options.port),
                           credentials, &s.port);
  builder.RegisterService(&s.served->grpc_service());
  for (unsigned i = 0; i < grpc_threads(); ++i)
    s.queues.push_back(builder.AddCompletionQueue());
  auto limit = oip_grpc_message_limit(options.limits, options.max_queued_bytes);
  builder.SetMaxReceiveMessageSize(limit);
  builder.AddChannelArgument(
      GRPC_ARG_MAX_CONCURRENT_STREAMS,
      static_cast<int>(options.max_streams_per_connection));
  builder.AddChannelArgument(
      GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
      static_cast<int>(options.handshake_timeout.count()));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                             static_cast<int>(options.idle_timeout.count()));
  builder.AddChannelArgument(GRPC_ARG_MAX_METADATA_SIZE, 16 << 10);
  // gRPC binds with SO_REUSEPORT unless told not to: a second process
  // (another node, or anyone's) could then listen on the same port and
  // take a share of the calls. The port is this node's alone.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // All calls' memory: two of the largest messages being read besides what
  // the coordinator already holds.
  grpc::ResourceQuota quota{"fovea-oip-grpc"};
  quota.Resize(2 * static_cast<size_t>(limit) + (size_t{64} << 20));
  builder.SetResourceQuota(quota);
  s.server = builder.BuildAndStart();
  if (!s.server || s.port == 0) {
    problem = "cannot listen on " + host + ":" + std::to_string(options.port) +
              " for gRPC";
    return nullptr; // the destructor lets go of what was made
  }
  for (auto& queue : s.queues) {
    s.served->serve(*queue, s.calls);
    s.threads.emplace_back([&queue = *queue] {
      // Named so that bench/run counts its CPU as gRPC's.
      pthread_setname_np(pthread_self(), "oip-grpc");
      run_completion_queue(queue);
    });
  }
  return result;
}

oip_grpc_server::~oip_grpc_server() {
  stop();
}

void oip_grpc_server::stop() {
  if (!state_)
    return;
  std::call_once(state_->stopped, [this] {
    auto& s = *state_;
    // Calls still waiting are cancelled at once: each abandons its request.
    // The queues' threads keep handling events until gRPC is done with
    // every call; only then may the queues shut down. (No server: start()
    // failed, and nothing was asked of the queues.)
    if (s.server) {
      s.calls.stop();
      s.server->Shutdown(std::chrono::system_clock::now());
      s.server->Wait();
      s.calls.wait_until_none();
    }
    for (auto& queue : s.queues)
      queue->Shutdown();
    for (auto& thread : s.threads)
      thread.join();
    if (s.threads.empty())
      for (auto& queue : s.queues)
        run_completion_queue(*queue); // drains it
    std::error_code ec;
    if (!s.crl_dir.empty())
      fs::remove_all(s.crl_dir, ec);
  });
}

uint16_t oip_grpc_server::port() const noexcept {
  return static_cast<uint16_t>(state_->port);
}

std::string oip_grpc_server::url() const {
  auto host = state_->options.host.find(':') != std::string::npos
                  ? "[" + state_->options.host + "]"
                  : state_->options.host;
  return std::string{state_->options.tls ? "grpcs://" : "grpc://"} + host +
         ":" + std::to_string(state_->port);
}

} // namespace fovea
