#include "edge/relay.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/write.hpp>

namespace fovea {

namespace {

// Large enough for a batch of small images in one go; one per direction.
constexpr size_t buffer_size = 64 * 1024;

boost::asio::ip::tcp::socket::lowest_layer_type&
lowest(boost::asio::ip::tcp::socket& s) {
  return s.lowest_layer();
}

boost::asio::ip::tcp::socket::lowest_layer_type& lowest(tls_stream& s) {
  return s.lowest_layer();
}

bool orderly(const boost::system::error_code& ec) {
  return ec == boost::asio::error::eof
         || ec == boost::asio::error::operation_aborted
         || ec == boost::asio::ssl::error::stream_truncated;
}

} // namespace

template <class Stream>
relay<Stream>::relay(edge_core& core, Stream network, caf_socket local,
                     basp_sender network_side, relay_hooks hooks)
    : core_(core), network_(std::move(network)), local_(std::move(local)),
      guard_(network_side, core.limits.max_message_bytes, core.caf.node),
      hooks_(std::move(hooks)), from_network_(buffer_size),
      from_local_(buffer_size), last_heard_(edge_clock::now()) {
}

template <class Stream>
void relay<Stream>::start() {
  read_network();
  read_local();
}

template <class Stream>
void relay<Stream>::sweep(edge_clock::time_point now) {
  if (closed_)
    return;
  auto silence = now - last_heard_;
  auto peer_limit = core_.limits.peer_silence_timeout;
  if (silence > core_.limits.idle_timeout)
    close("silent for longer than fovea.idle-timeout");
  else if (peer_limit.count() > 0 && silence > peer_limit)
    close("silent for longer than middleman.connection-timeout");
  else if (writing_since_
           && now - *writing_since_ > core_.limits.write_stall_timeout)
    close("it read nothing for fovea.write-stall-timeout");
}

template <class Stream>
void relay<Stream>::read_network() {
  auto self = this->shared_from_this();
  network_.async_read_some(
      boost::asio::buffer(from_network_),
      [this, self](const boost::system::error_code& ec, size_t n) {
        if (ec || closed_) {
          close(ec && !orderly(ec) ? ec.message() : std::string{});
          return;
        }
        last_heard_ = edge_clock::now();
        if (!heard_) {
          heard_ = true;
          if (hooks_.on_first_bytes)
            hooks_.on_first_bytes();
        }
        auto verdict = guard_.feed(from_network_.data(), n);
        if (verdict.refusal.empty() && verdict.node_named && hooks_.on_node)
          verdict.refusal = hooks_.on_node(guard_.node());
        if (!verdict.refusal.empty()) {
          close("refused: " + verdict.refusal);
          return;
        }
        if (pass_when_budget_allows(n))
          return;
        core_.say(hooks_.label + ": a frame of "
                  + std::to_string(guard_.largest_payload())
                  + " bytes waits for room in fovea.max-inflight-bytes");
        core_.inflight.wait([this, self, n] {
          return closed_ || pass_when_budget_allows(n);
        });
      });
}

// The bytes may go to CAF once the budget covers the largest frame this
// connection has announced: CAF will buffer that much for it.
template <class Stream>
bool relay<Stream>::pass_when_budget_allows(size_t n) {
  if (!core_.inflight.raise(budget_held_, guard_.largest_payload()))
    return false;
  pass_to_caf(n);
  return true;
}

template <class Stream>
void relay<Stream>::pass_to_caf(size_t n) {
  auto self = this->shared_from_this();
  boost::asio::async_write(
      local_, boost::asio::buffer(from_network_.data(), n),
      [this, self](const boost::system::error_code& ec, size_t) {
        if (ec)
          close(orderly(ec) ? std::string{} : ec.message());
        else
          read_network();
      });
}

template <class Stream>
void relay<Stream>::read_local() {
  auto self = this->shared_from_this();
  local_.async_read_some(
      boost::asio::buffer(from_local_),
      [this, self](const boost::system::error_code& ec, size_t n) {
        if (ec || closed_) {
          close(ec && !orderly(ec) ? ec.message() : std::string{});
          return;
        }
        guard_.observe(from_local_.data(), n);
        writing_since_ = edge_clock::now();
        boost::asio::async_write(
            network_, boost::asio::buffer(from_local_.data(), n),
            [this, self](const boost::system::error_code& ec, size_t) {
              writing_since_.reset();
              if (ec)
                close(orderly(ec) ? std::string{} : ec.message());
              else
                read_local();
            });
      });
}

template <class Stream>
void relay<Stream>::close(const std::string& why) {
  if (closed_)
    return;
  closed_ = true;
  // First the hook: what it records (why a route failed) is there by the
  // time CAF sees the connection close.
  if (hooks_.on_close)
    hooks_.on_close(why, heard_);
  boost::system::error_code ignored;
  lowest(network_).shutdown(boost::asio::socket_base::shutdown_both, ignored);
  lowest(network_).close(ignored);
  local_.shutdown(boost::asio::socket_base::shutdown_both, ignored);
  local_.close(ignored);
  core_.inflight.release(budget_held_);
}

template class relay<tls_stream>;
template class relay<boost::asio::ip::tcp::socket>;

} // namespace fovea
