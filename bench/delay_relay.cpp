#include "bench/delay_relay.hpp"

#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

namespace fovea::bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

// Named, not anonymous: delay_relay::impl's handlers hold these, and GCC
// warns of a class with external linkage holding internal ones.
namespace relay_detail {

struct connection;

// One direction of one connection: reads from `from`, writes each chunk to
// `to` once it is due.
class pipe : public std::enable_shared_from_this<pipe> {
public:
  pipe(std::shared_ptr<connection> owner, tcp::socket& from, tcp::socket& to,
       std::chrono::microseconds delay, size_t max_held)
      : owner_(std::move(owner)), from_(from), to_(to),
        timer_(to.get_executor()), delay_(delay), max_held_(max_held) {}

  void start() { read(); }

  // Writes what is due; called again when a direction resumes.
  void kick() {
    if (writing_)
      return;
    if (queue_.empty()) {
      if (ended_) {
        boost::system::error_code ignored;
        to_.shutdown(tcp::socket::shutdown_send, ignored);
      }
      return;
    }
    auto now = clock_type::now();
    auto& front = queue_.front();
    writing_ = true;
    if (front.due > now) {
      timer_.expires_at(front.due);
      timer_.async_wait([self = shared_from_this()](auto) {
        self->writing_ = false;
        self->kick();
      });
      return;
    }
    asio::async_write(
        to_, asio::buffer(front.bytes),
        [self = shared_from_this()](auto ec, size_t n) { self->wrote(ec, n); });
  }

private:
  struct chunk {
    clock_type::time_point due;
    std::vector<uint8_t> bytes;
  };

  void read() {
    if (held_ >= max_held_) {
      reading_ = false; // resumed by wrote()
      return;
    }
    reading_ = true;
    buffer_.resize(64 * 1024);
    from_.async_read_some(
        asio::buffer(buffer_),
        [self = shared_from_this()](auto ec, size_t n) { self->got(ec, n); });
  }

  void got(const boost::system::error_code& ec, size_t n) {
    if (ec) {
      reading_ = false;
      ended_ = true; // the other side sees the end once the queue drains
      kick();
      return;
    }
    buffer_.resize(n);
    held_ += n;
    queue_.push_back({clock_type::now() + delay_, std::move(buffer_)});
    buffer_ = {};
    kick();
    read();
  }

  void wrote(const boost::system::error_code& ec, size_t n) {
    writing_ = false;
    if (ec) {
      boost::system::error_code ignored;
      from_.close(ignored); // the other pipe's read fails and it ends too
      return;
    }
    queue_.pop_front();
    held_ -= n;
    if (!reading_ && !ended_)
      read();
    kick();
  }

  std::shared_ptr<connection> owner_; // keeps the sockets below alive
  tcp::socket& from_;
  tcp::socket& to_;
  asio::steady_timer timer_;
  std::chrono::microseconds delay_;
  size_t max_held_;
  std::vector<uint8_t> buffer_;
  std::deque<chunk> queue_;
  size_t held_ = 0;
  bool reading_ = false;
  bool writing_ = false;
  bool ended_ = false;
};

// A relayed connection: the accepted socket, the one to the target, and a
// pipe each way. The pipes own it; their pending handlers own them.
struct connection {
  connection(tcp::socket accepted, asio::io_context& io)
      : downstream(std::move(accepted)), upstream(io) {}
  tcp::socket downstream;
  tcp::socket upstream;
};

} // namespace relay_detail

using namespace relay_detail;

struct delay_relay::impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  tcp::endpoint target;
  std::chrono::microseconds delay;
  size_t max_held;
  std::thread thread;

  void accept() {
    acceptor.async_accept([this](auto ec, tcp::socket socket) {
      if (ec)
        return; // the acceptor closed
      auto conn = std::make_shared<connection>(std::move(socket), io);
      conn->upstream.async_connect(target, [this, conn](auto connect_ec) {
        if (connect_ec) {
          boost::system::error_code ignored;
          conn->downstream.close(ignored);
          return;
        }
        for (auto* sock : {&conn->downstream, &conn->upstream})
          sock->set_option(tcp::no_delay(true));
        auto up = std::make_shared<pipe>(conn, conn->downstream, conn->upstream,
                                         delay, max_held);
        auto down = std::make_shared<pipe>(conn, conn->upstream,
                                           conn->downstream, delay, max_held);
        up->start();
        down->start();
      });
      accept();
    });
  }
};

delay_relay::delay_relay(std::string target_host, uint16_t target_port,
                         std::chrono::microseconds delay, uint16_t port,
                         size_t max_held_bytes)
    : impl_(std::make_unique<impl>()) {
  impl_->target =
      tcp::endpoint(asio::ip::make_address(target_host), target_port);
  impl_->delay = delay;
  impl_->max_held = max_held_bytes;
  tcp::endpoint local(asio::ip::make_address("127.0.0.1"), port);
  impl_->acceptor.open(local.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(local);
  impl_->acceptor.listen();
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

// Stopping the loop drops the pending handlers, which own the pipes and
// connections: their sockets close as they go.
delay_relay::~delay_relay() {
  impl_->io.stop();
  impl_->thread.join();
}

uint16_t delay_relay::port() const noexcept {
  return impl_->acceptor.local_endpoint().port();
}

} // namespace fovea::bench
