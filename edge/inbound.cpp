#include "edge/inbound.hpp"

#include <boost/asio/connect.hpp>

#include "edge/accept_loop.hpp"
#include "edge/relay.hpp"
#include "edge/tls_context.hpp"

namespace fovea {

namespace {

using boost::asio::ip::tcp;

// Counts a connection against the caps for as long as any part of the edge
// holds it.
struct admission {
  admission(edge_core& core, std::string host) : core(core), host(host) {}
  ~admission() { core.connections.release(host); }
  edge_core& core;
  std::string host;
};

// One accepted connection from its accept until it is relayed (or refused).
class inbound_session : public edge_session,
                        public std::enable_shared_from_this<inbound_session> {
public:
  inbound_session(edge_core& core, tcp::socket socket, std::string address,
                  std::shared_ptr<admission> admitted, uint16_t caf_port)
      : core_(core), address_(std::move(address)),
        admitted_(std::move(admitted)), caf_port_(caf_port),
        plain_(std::move(socket)),
        deadline_(edge_clock::now() + core.limits.handshake_timeout) {}

  void start() {
    auto self = shared_from_this();
    if (!core_.credentials) {
      // A CAF client speaks first (its handshake): nothing reaches CAF
      // from a connection that says nothing.
      plain_.async_wait(tcp::socket::wait_read,
                        [this, self](const boost::system::error_code& ec) {
                          if (ec || done_)
                            return finish("closed before its handshake");
                          if (speaks_tls())
                            return refuse_tls();
                          identity_.address = address_;
                          connect_caf();
                        });
      return;
    }
    tls_.emplace(std::move(plain_), *core_.server_tls);
    tls_->async_handshake(
        boost::asio::ssl::stream_base::server,
        [this, self](const boost::system::error_code& ec) {
          if (done_)
            return;
          if (ec)
            return finish(describe_tls_failure(ec, tls_->native_handle()));
          std::string problem;
          if (!peer_certificate(tls_->native_handle(), identity_.name,
                                identity_.role, problem))
            return finish(problem);
          if (identity_.role == peer_role::coordinator)
            return finish("certificate " + identity_.name +
                          " is a coordinator's: it may not join one");
          identity_.address = address_;
          connect_caf();
        });
  }

  void close_now(const std::string& why) override { finish(why); }

  void sweep(edge_clock::time_point now) override {
    if (!done_ && now > deadline_)
      finish("no handshake within fovea.handshake-timeout");
  }

private:
  // A TLS client's first bytes are a handshake record (16 03 ..), which no
  // CAF frame starts with.
  bool speaks_tls() {
    uint8_t first[2] = {};
    boost::system::error_code ec;
    auto n = plain_.receive(boost::asio::buffer(first),
                            tcp::socket::message_peek, ec);
    return !ec && n == 2 && first[0] == 0x16 && first[1] == 0x03;
  }

  // Tells a TLS client in its own terms that there is no TLS here (a fatal
  // protocol_version alert), so that it can say so instead of "closed".
  void refuse_tls() {
    static const uint8_t alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46};
    boost::system::error_code ignored;
    plain_.send(boost::asio::buffer(alert), 0, ignored);
    finish(
        "it speaks TLS, and this node has no certificate (fovea.certificate)");
  }

  void connect_caf() {
    auto self = shared_from_this();
    auto caf = std::make_shared<tcp::socket>(core_.io);
    tcp::endpoint where{boost::asio::ip::address_v4::loopback(), caf_port_};
    caf->async_connect(
        where, [this, self, caf](const boost::system::error_code& ec) {
          if (done_)
            return;
          if (ec)
            return finish("cannot reach this node's CAF port: " + ec.message());
          done_ = true;
          caf->set_option(tcp::no_delay(true));
          if (tls_)
            hand_over(std::move(*tls_), std::move(*caf));
          else
            hand_over(std::move(plain_), std::move(*caf));
        });
  }

  template <class Stream>
  void hand_over(Stream network, tcp::socket caf) {
    auto& core = core_;
    auto who = identity_;
    relay_hooks hooks;
    hooks.label =
        (who.name.empty() ? std::string{}
                          : who.name + " (" + to_string(who.role) + ") ") +
        "from " + address_;
    auto claimed = std::make_shared<std::string>();
    // The relay, once made: what disconnect(node) closes.
    auto itself = std::make_shared<std::weak_ptr<edge_session>>();
    hooks.on_node = [&core, who, claimed, itself](const std::string& node) {
      if (!core.claim(node, who))
        return std::string{"its handshake names a node that another "
                           "connection speaks for"};
      *claimed = node;
      core.bind(node, *itself);
      return std::string{};
    };
    auto label = hooks.label;
    auto admitted = admitted_;
    hooks.on_close = [&core, claimed, label, admitted](const std::string& why,
                                                       bool) {
      if (!claimed->empty())
        core.release(*claimed);
      if (!why.empty())
        core.say("closed " + label + ": " + why);
    };
    auto relayed = std::make_shared<relay<Stream>>(
        core_, std::move(network), std::move(caf), basp_sender::client,
        std::move(hooks));
    *itself = relayed;
    core_.watch(relayed);
    relayed->start();
  }

  void finish(const std::string& why) {
    if (done_)
      return;
    done_ = true;
    boost::system::error_code ignored;
    auto& socket = tls_ ? tls_->lowest_layer() : plain_.lowest_layer();
    socket.close(ignored);
    core_.say("refused " + address_ + ": " + why);
  }

  edge_core& core_;
  std::string address_;
  std::shared_ptr<admission> admitted_;
  uint16_t caf_port_;
  tcp::socket plain_;
  std::optional<tls_stream> tls_;
  peer_identity identity_;
  edge_clock::time_point deadline_;
  bool done_ = false;
};

// Counts a new connection against the caps and starts its session.
void admit(edge_core& core, tcp::socket socket, uint16_t caf_port) {
  boost::system::error_code ec;
  auto peer = socket.remote_endpoint(ec);
  if (ec)
    return;
  auto host = peer.address().to_string();
  auto address = address_text(peer);
  if (auto why = core.connections.admit(host); !why.empty()) {
    core.say("refused " + address + ": " + why);
    socket.close(ec);
    return;
  }
  auto admitted = std::make_shared<admission>(core, host);
  socket.set_option(tcp::no_delay(true), ec);
  auto session = std::make_shared<inbound_session>(
      core, std::move(socket), address, std::move(admitted), caf_port);
  core.watch(session);
  session->start();
}

} // namespace

void start_inbound(edge_core& core, tcp::acceptor acceptor, uint16_t caf_port) {
  keep_accepting(core, std::move(acceptor), "edge",
                 [&core, caf_port](tcp::socket socket) {
                   admit(core, std::move(socket), caf_port);
                 });
}

} // namespace fovea
