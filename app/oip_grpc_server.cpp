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
#include <pthread.h>

#include "app/oip_grpc_service.hpp"
#include "edge/grpc_runtime.hpp"
#include "edge/grpc_unary_call.hpp"
#include "edge/oip_grpc.hpp"

namespace fovea {

namespace {

namespace fs = std::filesystem;

std::string file_text(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

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

// Threads that serve calls, each with its own completion queue: half the
// cores, as the node's actors and LibTorch want the rest (on 2 cores, one;
// at most 4, which parse and answer far more calls than a coordinator's
// workers can classify).
unsigned grpc_threads() {
  return std::clamp(std::thread::hardware_concurrency() / 2, 1u, 4u);
}

} // namespace

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
