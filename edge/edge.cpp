#include "edge/edge.hpp"

#include <future>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "edge/inbound.hpp"
#include "edge/outbound.hpp"

namespace fovea {

namespace {

using boost::asio::ip::tcp;

// Looks after every session once a second: handshakes and silences past
// their deadlines are closed here, so no connection needs a timer of its own.
void sweep_every_second(edge_core& core,
                        std::shared_ptr<boost::asio::steady_timer> timer) {
  timer->expires_after(std::chrono::seconds(1));
  timer->async_wait([&core, timer](const boost::system::error_code& ec) {
    if (ec)
      return;
    core.sweep_sessions();
    sweep_every_second(core, timer);
  });
}

} // namespace

edge::edge(edge_options options)
    : core_(std::make_unique<edge_core>(options.limits,
                                        std::move(options.credentials),
                                        std::move(options.say))) {
  sweep_every_second(*core_,
                     std::make_shared<boost::asio::steady_timer>(core_->io));
  thread_ = std::thread{[this] {
    auto guard = boost::asio::make_work_guard(core_->io);
    core_->io.run();
  }};
}

edge::~edge() {
  core_->io.stop();
  if (thread_.joinable())
    thread_.join();
}

template <class F>
auto edge::on_network_thread(F f) -> decltype(f()) {
  std::packaged_task<decltype(f())()> task{std::move(f)};
  auto result = task.get_future();
  boost::asio::post(core_->io, [&task] { task(); });
  return result.get();
}

void edge::attach(caf_side caf) {
  on_network_thread([&] { core_->caf = std::move(caf); });
}

void edge::detach() {
  on_network_thread([&] { core_->caf = caf_side{}; });
}

std::optional<uint16_t> edge::listen(const std::string& host, uint16_t port,
                                     std::string& problem) {
  return on_network_thread([&]() -> std::optional<uint16_t> {
    // A name (localhost, this host's) as well as an address, as CAF's own
    // publish took: the first address it resolves to.
    boost::system::error_code ec;
    tcp::resolver resolver{core_->io};
    auto found = resolver.resolve(host, std::to_string(port),
                                  tcp::resolver::passive, ec);
    if (ec || found.empty()) {
      problem = "cannot resolve " + host + (ec ? ": " + ec.message() : "");
      return std::nullopt;
    }
    auto where = found.begin()->endpoint();
    tcp::acceptor acceptor{core_->io};
    acceptor.open(where.protocol(), ec);
    // SO_REUSEADDR, so that a coordinator restarted after a crash gets its
    // port back while old connections linger in TIME_WAIT (it never allows
    // two listeners).
    if (!ec)
      acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec)
      acceptor.bind(where, ec);
    if (!ec)
      acceptor.listen(boost::asio::socket_base::max_listen_connections, ec);
    if (ec) {
      problem = ec.message();
      return std::nullopt;
    }
    auto bound = acceptor.local_endpoint().port();
    start_inbound(*core_, std::move(acceptor));
    return bound;
  });
}

std::optional<peer_identity> edge::identify(std::string_view node) const {
  return core_->identify(node);
}

void edge::disconnect(std::string_view node, const std::string& why) const {
  core_->disconnect(std::string{node}, why);
}

std::optional<int> edge::dial(const std::string& host, uint16_t port,
                              std::string& problem) {
  return on_network_thread(
      [&] { return open_route(*core_, host, port, problem); });
}

std::string edge::failure(const std::string& host, uint16_t port) const {
  return core_->failure(route_key(host, port));
}

} // namespace fovea
