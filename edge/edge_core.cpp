#include "edge/edge_core.hpp"

#include <boost/asio/post.hpp>

#include "edge/tls_context.hpp"

namespace fovea {

edge_core::edge_core(edge_limits limits,
                     std::shared_ptr<const tls_credentials> credentials,
                     std::function<void(const std::string&)> say)
    : limits(limits), credentials(std::move(credentials)),
      connections(limits.max_connections, limits.max_connections_per_address),
      inflight(limits.max_inflight_bytes),
      handshakes(limits.max_handshakes, limits.max_handshakes_per_address,
                 "fovea.max-handshakes", "fovea.max-handshakes-per-address"),
      say_(std::move(say)) {
  if (this->credentials) {
    server_tls = make_tls_context(*this->credentials, true);
    client_tls = make_tls_context(*this->credentials, false);
  }
}

void edge_core::watch(std::weak_ptr<edge_session> session) {
  sessions_.push_back(std::move(session));
}

void edge_core::sweep_sessions() {
  auto now = edge_clock::now();
  for (auto i = sessions_.begin(); i != sessions_.end();) {
    if (auto session = i->lock()) {
      session->sweep(now);
      ++i;
    } else {
      i = sessions_.erase(i);
    }
  }
}

namespace {

// The host of "host:port" (or "[v6]:port").
std::string_view host_of(std::string_view address) {
  return address.substr(0, address.rfind(':'));
}

bool same_identity(const peer_identity& a, const peer_identity& b) {
  if (a.role != b.role || a.name != b.name)
    return false;
  // Without certificates, a node is known by where it connects from.
  return !a.name.empty() || host_of(a.address) == host_of(b.address);
}

} // namespace

bool edge_core::claim(const std::string& node, const peer_identity& who) {
  std::lock_guard guard{mutex_};
  if (node == caf.node)
    return false;
  auto [entry, fresh] = nodes_.try_emplace(node, claimed{who, 0});
  if (!fresh && !same_identity(entry->second.who, who))
    return false;
  ++entry->second.connections;
  return true;
}

void edge_core::bind(const std::string& node,
                     std::weak_ptr<edge_session> session) {
  std::erase_if(bound_, [](auto& entry) { return entry.second.expired(); });
  bound_[node] = std::move(session);
}

void edge_core::disconnect(std::string node, std::string why) {
  boost::asio::post(io, [this, node = std::move(node), why = std::move(why)] {
    auto found = bound_.find(node);
    if (found == bound_.end())
      return;
    if (auto session = found->second.lock())
      session->close_now(why);
    bound_.erase(found);
  });
}

void edge_core::release(const std::string& node) {
  std::lock_guard guard{mutex_};
  auto found = nodes_.find(node);
  if (found != nodes_.end() && --found->second.connections == 0)
    nodes_.erase(found);
}

std::optional<peer_identity> edge_core::identify(std::string_view node) const {
  std::lock_guard guard{mutex_};
  auto found = nodes_.find(node);
  if (found == nodes_.end())
    return std::nullopt;
  return found->second.who;
}

void edge_core::fail(const std::string& route, const std::string& why) {
  std::lock_guard guard{mutex_};
  failures_[route] = why;
}

void edge_core::succeed(const std::string& route) {
  std::lock_guard guard{mutex_};
  failures_.erase(route);
}

std::string edge_core::failure(const std::string& route) const {
  std::lock_guard guard{mutex_};
  auto found = failures_.find(route);
  return found == failures_.end() ? std::string{} : found->second;
}

void edge_core::say(const std::string& line) {
  constexpr auto window = std::chrono::seconds(10);
  constexpr int lines_per_window = 20;
  if (!say_)
    return;
  std::string text;
  {
    std::lock_guard guard{mutex_};
    auto now = edge_clock::now();
    if (now - window_start_ > window) {
      if (suppressed_ > 0)
        text = "edge: " + std::to_string(suppressed_) +
               " more lines like these were not shown\n";
      window_start_ = now;
      said_in_window_ = 0;
      suppressed_ = 0;
    }
    if (said_in_window_ >= lines_per_window) {
      ++suppressed_;
      return;
    }
    ++said_in_window_;
  }
  if (!text.empty())
    say_(text.substr(0, text.size() - 1));
  say_("edge: " + line);
}

} // namespace fovea
