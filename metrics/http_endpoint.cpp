#include "metrics/http_endpoint.hpp"

#include <httplib.h>

#include <chrono>

namespace fovea {

namespace {

void add_routes(httplib::Server& server, node_metrics& metrics) {
  server.Get("/metrics", [&metrics](const httplib::Request&,
                                    httplib::Response& res) {
    res.set_content(metrics.scrape(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server.Get("/healthz", [&metrics](const httplib::Request&,
                                    httplib::Response& res) {
    auto alive = metrics.health().alive();
    res.status = alive ? 200 : 503;
    res.set_content(alive ? "ok\n" : "the node's actors have ended\n",
                    "text/plain; charset=utf-8");
  });
  server.Get("/readyz", [&metrics](const httplib::Request&,
                                   httplib::Response& res) {
    auto& health = metrics.health();
    auto ready = health.alive() && health.ready();
    res.status = ready ? 200 : 503;
    res.set_content(ready ? std::string{"ready\n"}
                          : (health.alive() ? health.reason()
                                            : std::string{"stopped"})
                              + "\n",
                    "text/plain; charset=utf-8");
  });
}

} // namespace

std::unique_ptr<http_endpoint>
http_endpoint::start(const http_options& options, node_metrics& metrics,
                     std::string& problem) {
  std::unique_ptr<http_endpoint> result{new http_endpoint};
  result->host_ = options.host;
  if (!options.certificate.empty()) {
    auto server = std::make_unique<httplib::SSLServer>(
      options.certificate.c_str(), options.key.c_str(),
      options.ca.empty() ? nullptr : options.ca.c_str());
    if (!server->is_valid()) {
      problem = "cannot load " + options.certificate + " and " + options.key
                + (options.ca.empty() ? "" : " and " + options.ca)
                + " for HTTPS";
      return nullptr;
    }
    result->server_ = std::move(server);
    result->tls_ = true;
  } else {
    result->server_ = std::make_unique<httplib::Server>();
  }
  auto& server = *result->server_;
  // Two threads: a scrape and a probe at once; more only queue.
  server.new_task_queue = [] { return new httplib::ThreadPool(2); };
  server.set_read_timeout(5, 0);
  server.set_write_timeout(5, 0);
  server.set_keep_alive_timeout(5);
  server.set_payload_max_length(4096); // requests carry no body
  add_routes(server, metrics);
  if (options.port == 0) {
    auto port = server.bind_to_any_port(options.host);
    if (port <= 0) {
      problem = "cannot listen on " + options.host + ": no free port";
      return nullptr;
    }
    result->port_ = static_cast<uint16_t>(port);
  } else {
    if (!server.bind_to_port(options.host, options.port)) {
      problem = "cannot listen on " + options.host + ":"
                + std::to_string(options.port)
                + " (is another process using that port?)";
      return nullptr;
    }
    result->port_ = options.port;
  }
  result->thread_ = std::thread{[&server] { server.listen_after_bind(); }};
  // httplib's stop() does nothing until the listening thread has marked the
  // server running, so a node that fails right after this (its CAF port is
  // taken) would join a thread that never ends. That mark is the thread's
  // first step: wait for it here.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!server.is_running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  return result;
}

http_endpoint::~http_endpoint() {
  if (server_)
    server_->stop();
  if (thread_.joinable())
    thread_.join();
}

std::string http_endpoint::url() const {
  auto host = host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_;
  return std::string{tls_ ? "https" : "http"} + "://" + host + ":"
         + std::to_string(port_);
}

} // namespace fovea
