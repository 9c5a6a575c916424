#include "app/oip_grpc_server.hpp"

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <openssl/pem.h>

#include "app/oip_routes.hpp"
#include "app/oip_serving.hpp"
#include "edge/grpc_runtime.hpp"
#include "edge/oip_grpc.hpp"
#include "messages/errors.hpp"
#include "open_inference_grpc.grpc.pb.h"

namespace fovea {

namespace {

namespace fs = std::filesystem;
using grpc::CallbackServerContext;
using grpc::ServerUnaryReactor;
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

caller caller_of(const CallbackServerContext& context, bool tls) {
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
  who.known = certificate
              && read_identity(certificate.get(), who.name, who.role);
  return who;
}

enum class needs { health, inference };

std::string file_text(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// One ModelInfer call: finished once, by the coordinator's answer or by
// the client's cancel, whichever comes first.
class infer_call : public ServerUnaryReactor {
public:
  infer_call(std::shared_ptr<online_gateway> gateway,
             inference::ModelInferResponse* response)
    : shared_(std::make_shared<shared>()) {
    shared_->gateway = std::move(gateway);
    shared_->response = response;
    shared_->call = this;
  }

  // What outlives the call: the gateway's callback may come after it.
  struct shared {
    std::mutex mutex;
    bool finished = false;
    bool cancelled = false;
    uint64_t key = 0;
    std::shared_ptr<online_gateway> gateway;
    inference::ModelInferResponse* response = nullptr;
    infer_call* call = nullptr;

    /// Takes the right to finish the call; false if it is taken.
    bool take() {
      std::lock_guard guard{mutex};
      if (finished)
        return false;
      finished = true;
      return true;
    }
  };

  std::shared_ptr<shared> state() const { return shared_; }

  /// Finishes with `status` unless already finished.
  static void finish(const std::shared_ptr<shared>& s, Status status) {
    if (s->take())
      s->call->Finish(std::move(status));
  }

  /// The request went to the coordinator as `key`.
  static void started(const std::shared_ptr<shared>& s, uint64_t key) {
    bool abandon = false;
    {
      std::lock_guard guard{s->mutex};
      s->key = key;
      abandon = s->cancelled;
    }
    if (abandon)
      s->gateway->abandon(key);
  }

  void OnCancel() override {
    uint64_t key = 0;
    {
      std::lock_guard guard{shared_->mutex};
      shared_->cancelled = true;
      key = shared_->key;
    }
    if (key != 0)
      shared_->gateway->abandon(key);
    finish(shared_, Status::CANCELLED);
  }

  void OnDone() override { delete this; }

private:
  std::shared_ptr<shared> shared_;
};

class service final : public inference::GRPCInferenceService::CallbackService {
public:
  service(std::shared_ptr<online_gateway> gateway, oip_grpc_options options)
    : gateway_(std::move(gateway)), options_(std::move(options)) {}

  ServerUnaryReactor* ServerLive(CallbackServerContext* context,
                                 const inference::ServerLiveRequest*,
                                 inference::ServerLiveResponse* response) override {
    return answer_now(context, needs::health, [response] {
      response->set_live(true);
    });
  }

  ServerUnaryReactor* ServerMetadata(CallbackServerContext* context,
                                     const inference::ServerMetadataRequest*,
                                     inference::ServerMetadataResponse* response) override {
    return answer_now(context, needs::health, [this, response] {
      response->set_name("fovea");
      response->set_version(options_.version);
      response->add_extensions("binary_tensor_data");
      response->add_extensions("classification");
    });
  }

  ServerUnaryReactor* ServerReady(CallbackServerContext* context,
                                  const inference::ServerReadyRequest*,
                                  inference::ServerReadyResponse* response) override {
    return answer_with_models(
      context, needs::health, [response](const models_or_error& models) {
        response->set_ready(models
                            && std::any_of(models->begin(), models->end(),
                                           [](const served_model& m) {
                                             return m.workers > 0;
                                           }));
        return Status::OK;
      });
  }

  ServerUnaryReactor* ModelReady(CallbackServerContext* context,
                                 const inference::ModelReadyRequest* request,
                                 inference::ModelReadyResponse* response) override {
    return answer_with_models(
      context, needs::inference,
      [request, response](const models_or_error& models) {
        auto* served = models ? find_served_model(*models, request->name(),
                                                  request->version())
                              : nullptr;
        response->set_ready(served && served->workers > 0);
        return Status::OK;
      });
  }

  ServerUnaryReactor* ModelMetadata(CallbackServerContext* context,
                                    const inference::ModelMetadataRequest* request,
                                    inference::ModelMetadataResponse* response) override {
    return answer_with_models(
      context, needs::inference,
      [request, response](const models_or_error& models) {
        if (!models)
          return Status{code_of(models.error()), describe(models.error())};
        auto* served
          = find_served_model(*models, request->name(), request->version());
        if (!served)
          return not_served(request->name(), request->version());
        write_grpc_model_metadata(info_of(*served), *response);
        return Status::OK;
      });
  }

  ServerUnaryReactor* ModelInfer(CallbackServerContext* context,
                                 const inference::ModelInferRequest* request,
                                 inference::ModelInferResponse* response) override {
    auto* call = new infer_call(gateway_, response);
    auto state = call->state();
    auto who = caller_of(*context, tls());
    if (auto refused = refusal(who, needs::inference)) {
      infer_call::finish(state, *refused);
      return call;
    }
    // The call's own deadline, if the client set one (gRPC's "infinite"
    // is far past the server's limit).
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      context->deadline() - std::chrono::system_clock::now());
    auto principal = who.known ? who.name : std::string{"unauthenticated"};
    // Not `this`: the answer may come after the server stopped.
    gateway_->models([serving = serving_, state, request, principal,
                      left](caf::expected<std::vector<served_model>> models) {
      std::optional<Status> failed;
      std::optional<oip_infer_request> read;
      served_model served;
      {
        // gRPC frees `request` once the call is finished (a client's
        // cancel finishes it): read it only while it is not.
        std::lock_guard guard{state->mutex};
        if (state->finished)
          return;
        auto* found = models ? find_served_model(*models,
                                                 request->model_name(),
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
            failed = Status{StatusCode::INVALID_ARGUMENT,
                            describe(parsed.error())};
        }
      }
      if (failed)
        infer_call::finish(state, std::move(*failed));
      else
        run(serving, state, std::move(*read), served, principal, left);
    });
    return call;
  }

private:
  using models_or_error = caf::expected<std::vector<served_model>>;

  bool tls() const { return options_.tls.has_value(); }

  // A call answered at once by `fill`, if the caller may make it.
  template <class Fill>
  ServerUnaryReactor* answer_now(CallbackServerContext* context, needs what,
                                 Fill fill) {
    auto* reactor = context->DefaultReactor();
    if (auto refused = authorize(*context, what)) {
      reactor->Finish(*refused);
      return reactor;
    }
    fill();
    reactor->Finish(Status::OK);
    return reactor;
  }

  // A call answered by `answer` from what the coordinator serves (or why
  // it could not say), if the caller may make it.
  template <class Answer>
  ServerUnaryReactor* answer_with_models(CallbackServerContext* context,
                                         needs what, Answer answer) {
    auto* reactor = context->DefaultReactor();
    if (auto refused = authorize(*context, what)) {
      reactor->Finish(*refused);
      return reactor;
    }
    gateway_->models([reactor, answer](models_or_error models) {
      reactor->Finish(answer(models));
    });
    return reactor;
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
    auto allowed = who.role == peer_role::client
                   || who.role == peer_role::operator_
                   || (what == needs::health && who.role == peer_role::monitor);
    if (who.known && allowed)
      return std::nullopt;
    return Status{StatusCode::PERMISSION_DENIED,
                  who.known ? "a certificate of role "
                                + std::string{to_string(who.role)}
                                + " may not call this"
                            : std::string{"no fovea client certificate"}};
  }

  std::optional<Status> authorize(const CallbackServerContext& context,
                                  needs what) const {
    return refusal(caller_of(context, tls()), what);
  }

  // Sends `read`, taken from the wire, to the coordinator.
  static void run(const std::shared_ptr<const oip_grpc_options>& serving,
                  const std::shared_ptr<infer_call::shared>& state,
                  oip_infer_request read, const served_model& served,
                  const std::string& principal,
                  std::chrono::milliseconds left) {
    auto model = info_of(served);
    auto request = std::make_shared<oip_infer_request>(std::move(read));
    auto server = serving->timeout;
    if (left < server)
      server = std::max(left, std::chrono::milliseconds{1});
    auto online = online_request_of(*request, served, model, principal,
                                    server);
    auto deadline_ms = online.timeout_ms;
    auto key = state->gateway->infer(
      std::move(online),
      [state, request, model,
       deadline_ms](caf::expected<std::vector<prediction>> rows) {
        if (!rows) {
          infer_call::finish(state,
                             Status{code_of(rows.error()),
                                    failure_text(rows.error(), deadline_ms)});
          return;
        }
        auto probabilities = probabilities_of(*rows, model.labels.size());
        if (!probabilities) {
          infer_call::finish(state,
                             Status{code_of(probabilities.error()),
                                    describe(probabilities.error())});
          return;
        }
        if (!state->take())
          return;
        write_grpc_infer_answer(*request, model, *probabilities,
                                *state->response);
        state->call->Finish(Status::OK);
      });
    infer_call::started(state, key);
  }

  std::shared_ptr<online_gateway> gateway_;
  oip_grpc_options options_;
  /// A copy of options_ that answers arriving after the server stopped
  /// may still read.
  std::shared_ptr<const oip_grpc_options> serving_
    = std::make_shared<const oip_grpc_options>(options_);
};

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

struct oip_grpc_server::state {
  oip_grpc_options options;
  std::unique_ptr<grpc::Service> served;
  std::unique_ptr<grpc::Server> server;
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
  s.served = std::make_unique<service>(std::move(gateway), options);
  grpc::ServerBuilder builder;
  auto host = options.host.find(':') != std::string::npos
                ? "[" + options.host + "]"
                : options.host;
  builder.AddListeningPort(host + ":" + std::to_string(options.port),
                           credentials, &s.port);
  builder.RegisterService(s.served.get());
  auto limit = oip_grpc_message_limit(options.limits,
                                      options.max_queued_bytes);
  builder.SetMaxReceiveMessageSize(limit);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             static_cast<int>(options.max_streams_per_connection));
  builder.AddChannelArgument(GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
                             static_cast<int>(options.handshake_timeout.count()));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                             static_cast<int>(options.idle_timeout.count()));
  builder.AddChannelArgument(GRPC_ARG_MAX_METADATA_SIZE, 16 << 10);
  // All calls' memory: two of the largest messages being read besides what
  // the coordinator already holds.
  grpc::ResourceQuota quota{"fovea-oip-grpc"};
  quota.Resize(2 * static_cast<size_t>(limit) + (size_t{64} << 20));
  builder.SetResourceQuota(quota);
  s.server = builder.BuildAndStart();
  if (!s.server || s.port == 0) {
    problem = "cannot listen on " + host + ":" + std::to_string(options.port)
              + " for gRPC";
    std::error_code ec;
    if (!s.crl_dir.empty())
      fs::remove_all(s.crl_dir, ec);
    return nullptr;
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
    // Calls still waiting are cancelled at once: each abandons its request.
    state_->server->Shutdown(std::chrono::system_clock::now());
    state_->server->Wait();
    std::error_code ec;
    if (!state_->crl_dir.empty())
      fs::remove_all(state_->crl_dir, ec);
  });
}

uint16_t oip_grpc_server::port() const noexcept {
  return static_cast<uint16_t>(state_->port);
}

std::string oip_grpc_server::url() const {
  auto host = state_->options.host.find(':') != std::string::npos
                ? "[" + state_->options.host + "]"
                : state_->options.host;
  return std::string{state_->options.tls ? "grpcs://" : "grpc://"} + host
         + ":" + std::to_string(state_->port);
}

} // namespace fovea
