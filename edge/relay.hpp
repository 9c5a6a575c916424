// relay: moves the bytes of one connection between its network side (a TLS
// stream or a plain socket) and its CAF side (one end of a socket pair
// whose other end this node's CAF holds), both ways, checking the frames
// that come from the network with a basp_guard and showing it the frames
// CAF sends.
//
// Guarantees: nothing from the network reaches CAF past a frame the guard
// refuses (the connection closes first); a frame larger than any this
// connection carried before waits until the edge's inflight_budget has room
// for CAF to buffer it; a connection quiet on its network side for the
// idle timeout (or its peer's silence timeout), or whose writes towards the network have waited for the
// write-stall timeout (a peer that stopped reading), is closed; each
// direction holds one buffer and reads again only once it is written (a
// slow reader slows its writer, memory does not grow); on_close is called
// once, when both sides close, and the connection's budget is given back.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "edge/basp_guard.hpp"
#include "edge/edge_core.hpp"

namespace fovea {

struct relay_hooks {
  std::string label; ///< who, for log lines ("w1 (worker) from 10.0.0.7:5")
  /// The network side's handshake named its node; a refusal closes.
  std::function<std::string(const std::string& node)> on_node;
  /// The network side sent its first bytes.
  std::function<void()> on_first_bytes;
  /// Both sides are closed; `why` is empty for an orderly end.
  std::function<void(const std::string& why, bool heard_from_network)> on_close;
};

using caf_socket = boost::asio::local::stream_protocol::socket;

template <class Stream>
class relay : public edge_session,
              public std::enable_shared_from_this<relay<Stream>> {
public:
  relay(edge_core& core, Stream network, caf_socket local,
        basp_sender network_side, relay_hooks hooks);

  void start();

  void sweep(edge_clock::time_point now) override;

  void close_now(const std::string& why) override { close(why); }

private:
  void read_network();
  void pass_to_caf(size_t n);
  bool pass_when_budget_allows(size_t n);
  void read_local();
  void close(const std::string& why);

  edge_core& core_;
  Stream network_;
  caf_socket local_;
  basp_guard guard_;
  relay_hooks hooks_;
  std::vector<uint8_t> from_network_;
  std::vector<uint8_t> from_local_;
  edge_clock::time_point last_heard_;
  /// Since when a write towards the network has waited, if one does.
  std::optional<edge_clock::time_point> writing_since_;
  size_t budget_held_ = 0; ///< this connection's share of core_.inflight
  bool heard_ = false;
  bool closed_ = false;
};

using tls_stream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

extern template class relay<tls_stream>;
extern template class relay<boost::asio::ip::tcp::socket>;

} // namespace fovea
