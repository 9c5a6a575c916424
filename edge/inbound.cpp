#include "edge/inbound.hpp"

#include <unistd.h>

#include "edge/accept_loop.hpp"
#include "edge/outbound.hpp"
#include "edge/relay.hpp"
#include "edge/tls_context.hpp"

namespace fovea {

namespace {

using boost::asio::ip::tcp;

// Counts a connection against the caps for as long as any part of the edge
// holds it: its source (address, or an IPv6 address's /64), and, once its
// certificate is known, its name.
struct admission {
  admission(edge_core& core, std::string source) : core(core), source(source) {}
  ~admission() {
    core.connections.release(source);
    if (!name.empty() && --core.by_certificate[name] == 0)
      core.by_certificate.erase(name);
  }

  /// Counts the connection against its certificate's name; why not, if the
  /// name has as many as it may.
  std::string count_certificate(const std::string& certificate) {
    auto& count = core.by_certificate[certificate];
    if (count >= core.limits.max_connections_per_certificate)
      return "certificate " + certificate + " has "
             + std::to_string(count)
             + " connections already (fovea.max-connections-per-certificate)";
    ++count;
    name = certificate;
    return {};
  }

  edge_core& core;
  std::string source;
  std::string name; ///< counted against, once known
};

// While a connection is in its handshake, it counts against
// fovea.max-handshakes, in all and per source: a few hosts stalling
// handshakes cannot fill every connection the edge has.
struct handshake_slot {
  handshake_slot(edge_core& core, std::string source)
      : core(&core), source(std::move(source)) {}
  ~handshake_slot() { leave(); }
  handshake_slot(const handshake_slot&) = delete;
  handshake_slot& operator=(const handshake_slot&) = delete;
  void leave() {
    if (core)
      core->handshakes.release(source);
    core = nullptr;
  }
  edge_core* core;
  std::string source;
};

// One accepted connection from its accept until it is relayed (or refused).
class inbound_session : public edge_session,
                        public std::enable_shared_from_this<inbound_session> {
public:
  inbound_session(edge_core& core, tcp::socket socket, std::string address,
                  std::shared_ptr<admission> admitted)
      : core_(core), address_(std::move(address)),
        admitted_(std::move(admitted)), handshaking_(core, admitted_->source),
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
                          hand_to_caf();
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
          if (identity_.role == peer_role::monitor)
            return finish("certificate " + identity_.name +
                          " has role monitor: it may read a node's HTTP "
                          "front, not speak to its actors");
          if (auto why = admitted_->count_certificate(identity_.name);
              !why.empty())
            return finish(why);
          identity_.address = address_;
          hand_to_caf();
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

  // CAF gets one end of a socket pair, the relay the other: no CAF port
  // exists for anyone else to reach.
  void hand_to_caf() {
    caf_socket mine{core_.io};
    int theirs = -1;
    std::string problem;
    if (!make_socket_pair(core_.io, mine, theirs, problem))
      return finish(problem);
    if (!core_.caf.accept) {
      ::close(theirs);
      return finish("this node's CAF is not attached to its edge");
    }
    if (!core_.caf.accept(theirs, problem)) // it took the socket either way
      return finish("this node's CAF cannot take it: " + problem);
    done_ = true;
    handshaking_.leave();
    if (tls_)
      hand_over(std::move(*tls_), std::move(mine));
    else
      hand_over(std::move(plain_), std::move(mine));
  }

  template <class Stream>
  void hand_over(Stream network, caf_socket caf) {
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
        return std::string{"its handshake names this node, or a node that "
                           "a connection of another identity speaks for"};
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
    handshaking_.leave();
    core_.say("refused " + address_ + ": " + why);
  }

  edge_core& core_;
  std::string address_;
  std::shared_ptr<admission> admitted_;
  handshake_slot handshaking_;
  tcp::socket plain_;
  std::optional<tls_stream> tls_;
  peer_identity identity_;
  edge_clock::time_point deadline_;
  bool done_ = false;
};

// Counts a new connection against the caps and starts its session.
void admit(edge_core& core, tcp::socket socket) {
  boost::system::error_code ec;
  auto peer = socket.remote_endpoint(ec);
  if (ec)
    return;
  auto source = connection_source(peer.address());
  auto address = address_text(peer);
  auto refuse = [&](const std::string& why) {
    core.say("refused " + address + ": " + why);
    socket.close(ec);
  };
  if (auto why = core.connections.admit(source); !why.empty())
    return refuse(why);
  if (auto why = core.handshakes.admit(source); !why.empty()) {
    core.connections.release(source);
    return refuse("in their handshake, " + why);
  }
  auto admitted = std::make_shared<admission>(core, source);
  socket.set_option(tcp::no_delay(true), ec);
  auto session = std::make_shared<inbound_session>(
      core, std::move(socket), address, std::move(admitted));
  core.watch(session);
  session->start();
}

} // namespace

void start_inbound(edge_core& core, tcp::acceptor acceptor) {
  keep_accepting(core, std::move(acceptor), "edge",
                 [&core](tcp::socket socket) {
                   admit(core, std::move(socket));
                 });
}

} // namespace fovea
