#include "edge/outbound.hpp"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include "edge/relay.hpp"
#include "edge/tls_context.hpp"

namespace fovea {

namespace {

using boost::asio::ip::tcp;
// One connection from CAF, from its socket pair until it is relayed or
// failed.
class outbound_session : public edge_session,
                         public std::enable_shared_from_this<outbound_session> {
public:
  outbound_session(edge_core& core, caf_socket caf, std::string host,
                   uint16_t port)
      : core_(core), caf_(std::move(caf)), host_(std::move(host)), port_(port),
        key_(route_key(host_, port_)), resolver_(core.io), remote_(core.io),
        deadline_(edge_clock::now() + core.limits.handshake_timeout) {}

  void start() {
    auto self = shared_from_this();
    resolver_.async_resolve(
        host_, std::to_string(port_),
        [this, self](const boost::system::error_code& ec,
                     tcp::resolver::results_type found) {
          if (done_)
            return;
          if (ec)
            return fail("cannot resolve " + host_ + ": " + ec.message());
          boost::asio::async_connect(
              remote_, found,
              [this, self](const boost::system::error_code& ec,
                           const tcp::endpoint&) {
                if (done_)
                  return;
                if (ec == boost::asio::error::connection_refused)
                  return fail("nothing listens there (connection refused)");
                if (ec)
                  return fail("cannot connect: " + ec.message());
                boost::system::error_code ignored;
                remote_.set_option(tcp::no_delay(true), ignored);
                if (core_.credentials)
                  handshake();
                else
                  relay_plain();
              });
        });
  }

  void close_now(const std::string& why) override { fail(why); }

  void sweep(edge_clock::time_point now) override {
    if (!done_ && now > deadline_)
      fail("no answer within fovea.handshake-timeout");
  }

private:
  void handshake() {
    auto self = shared_from_this();
    tls_.emplace(std::move(remote_), *core_.client_tls);
    tls_->async_handshake(
        boost::asio::ssl::stream_base::client,
        [this, self](const boost::system::error_code& ec) {
          if (done_)
            return;
          if (ec)
            return fail(describe_tls_failure(ec, tls_->native_handle()));
          peer_identity who;
          std::string problem;
          if (!peer_certificate(tls_->native_handle(), who.name, who.role,
                                problem))
            return fail(problem);
          if (who.role != peer_role::coordinator)
            return fail("it presented certificate " + who.name + " of role "
                        + to_string(who.role) + ", not a coordinator's");
          done_ = true;
          auto label = "coordinator " + who.name + " at " + key_ + " ("
                       + negotiated(tls_->native_handle()) + ")";
          hand_over(std::move(*tls_), label);
        });
  }

  void relay_plain() {
    done_ = true;
    hand_over(std::move(remote_), key_);
  }

  template <class Stream>
  void hand_over(Stream network, const std::string& label) {
    auto& core = core_;
    auto key = key_;
    auto tls = core_.credentials != nullptr;
    relay_hooks hooks;
    hooks.label = label;
    hooks.on_first_bytes = [&core, key] { core.succeed(key); };
    hooks.on_close = [&core, key, tls](const std::string& why, bool heard) {
      if (heard)
        return;
      // It never spoke CAF: say why, for whoever is waiting to connect.
      if (tls)
        core.fail(key, why.empty() ? "it closed the connection right after "
                                     "the TLS handshake"
                                   : "it closed the connection: " + why);
      else
        core.fail(key, "it closed the connection before CAF's handshake: it "
                       "probably requires TLS (set fovea.certificate, "
                       "fovea.key and fovea.ca)");
    };
    auto relayed = std::make_shared<relay<Stream>>(
        core_, std::move(network), std::move(caf_), basp_sender::server,
        std::move(hooks));
    core_.watch(relayed);
    relayed->start();
  }

  void fail(const std::string& why) {
    if (done_)
      return;
    done_ = true;
    // Recorded before CAF sees its connection close, so that it can say why.
    core_.fail(key_, why);
    boost::system::error_code ignored;
    resolver_.cancel();
    auto& socket = tls_ ? tls_->lowest_layer() : remote_.lowest_layer();
    socket.close(ignored);
    caf_.close(ignored);
  }

  edge_core& core_;
  caf_socket caf_;
  std::string host_;
  uint16_t port_;
  std::string key_;
  tcp::resolver resolver_;
  tcp::socket remote_;
  std::optional<tls_stream> tls_;
  edge_clock::time_point deadline_;
  bool done_ = false;
};

} // namespace

std::string route_key(const std::string& host, uint16_t port) {
  if (host.find(':') != std::string::npos)
    return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

bool make_socket_pair(boost::asio::io_context& io, caf_socket& mine,
                      int& theirs, std::string& problem) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    problem = std::string{"cannot make a socket pair: "} + std::strerror(errno);
    return false;
  }
  caf_socket socket{io};
  boost::system::error_code ec;
  socket.assign(boost::asio::local::stream_protocol{}, fds[0], ec);
  if (ec) {
    ::close(fds[0]);
    ::close(fds[1]);
    problem = "cannot use a socket pair: " + ec.message();
    return false;
  }
  mine = std::move(socket);
  theirs = fds[1];
  return true;
}

std::optional<int> open_route(edge_core& core, const std::string& host,
                              uint16_t port, std::string& problem) {
  if (core.caf.node.empty()) {
    problem = "the edge is not attached to this node's CAF yet";
    return std::nullopt;
  }
  caf_socket mine{core.io};
  int theirs = -1;
  if (!make_socket_pair(core.io, mine, theirs, problem))
    return std::nullopt;
  auto session =
      std::make_shared<outbound_session>(core, std::move(mine), host, port);
  core.watch(session);
  session->start();
  return theirs;
}

} // namespace fovea
