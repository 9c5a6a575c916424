#include "app/node_edge.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "app/console.hpp"
#include "messages/errors.hpp"

namespace fovea {

namespace {

bool role_fits(peer_role role, node_kind kind) {
  switch (kind) {
  case node_kind::coordinator:
    return role == peer_role::coordinator;
  case node_kind::worker:
    return role == peer_role::worker;
  case node_kind::client:
  case node_kind::console:
    return role == peer_role::client || role == peer_role::operator_;
  }
  return false;
}

const char* needs(node_kind kind) {
  switch (kind) {
  case node_kind::coordinator:
    return "a coordinator needs role coordinator";
  case node_kind::worker:
    return "a worker needs role worker";
  case node_kind::client:
    return "fovea submit needs role client or operator";
  case node_kind::console:
    return "the shell needs role operator (or client, to look and "
           "submit)";
  }
  return "";
}

} // namespace

caf::expected<std::shared_ptr<edge>>
start_edge(const fovea_config& cfg, node_kind kind,
           std::function<void(const std::string&)> say) {
  if (!cfg.edge)
    return std::shared_ptr<edge>{};
  edge_options options;
  options.limits = cfg.edge_settings();
  options.say = std::move(say);
  if (!cfg.certificate.empty()) {
    std::string problem;
    options.credentials = tls_credentials::load(cfg.tls(), problem);
    if (!options.credentials)
      return make_error(errc::bad_config, problem);
    auto role = options.credentials->role();
    if (!role_fits(role, kind))
      return make_error(errc::bad_config,
                        "fovea.certificate = " + cfg.certificate +
                            ": its role is " + to_string(role) + "; " +
                            needs(kind));
    if (options.credentials->days_left() < 14 && options.say)
      options.say("WARNING: fovea.certificate = " + cfg.certificate +
                  " expires in " +
                  std::to_string(options.credentials->days_left()) +
                  " days (fovea certs makes a new one)");
  }
  return std::make_shared<edge>(std::move(options));
}

std::optional<std::shared_ptr<edge>>
open_edge(const fovea_config& cfg, node_kind kind, const std::string& who,
          std::function<void(const std::string&)> log) {
  if (!log)
    log = [who](const std::string& line) { complain(who + ": " + line); };
  auto started = start_edge(cfg, kind, std::move(log));
  if (!started) {
    complain(who + ": " + describe(started.error()));
    return std::nullopt;
  }
  return std::move(*started);
}

bool is_loopback(const std::string& host) {
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  if (!ec)
    return address.is_loopback();
  // A name: loopback only if everything it resolves to is.
  boost::asio::io_context io;
  boost::asio::ip::tcp::resolver resolver{io};
  auto found = resolver.resolve(host, "0", ec);
  if (ec || found.empty())
    return false;
  for (auto& entry : found)
    if (!entry.endpoint().address().is_loopback())
      return false;
  return true;
}

std::string describe_edge(const fovea_config& cfg, const edge* e) {
  if (!e)
    return "no edge: CAF faces the network itself (fovea.edge = false)";
  if (!e->tls())
    return "plain edge, no TLS";
  return "TLS edge, certificate " + cfg.certificate + ", CA " + cfg.ca +
         (cfg.crl.empty() ? std::string{} : ", revocations " + cfg.crl);
}

} // namespace fovea
