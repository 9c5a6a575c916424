#include "tests/support/socket_peer.hpp"

#include <array>
#include <poll.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "edge/tls_context.hpp"
#include "tests/support/actor_fixture.hpp"
#include "tests/support/basp_frames.hpp"

namespace fovea::test {

namespace ssl = boost::asio::ssl;
using boost::asio::ip::tcp;

namespace {

// True once `fd` is readable (data or end), false after `timeout`.
bool readable(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0;
}

} // namespace

socket_peer::socket_peer(const std::string& host, uint16_t port,
                         std::shared_ptr<const tls_credentials> credentials,
                         bool tls_without_certificate,
                         const std::string& from) {
  tcp::socket socket{io_};
  boost::system::error_code ec;
  if (!from.empty()) {
    socket.open(tcp::v4(), ec);
    if (!ec)
      socket.bind({boost::asio::ip::make_address(from), 0}, ec);
  }
  if (!ec)
    socket.connect({boost::asio::ip::make_address(host), port}, ec);
  if (ec) {
    problem_ = ec.message();
    return;
  }
  if (!credentials && !tls_without_certificate) {
    plain_.emplace(std::move(socket));
    connected_ = true;
    return;
  }
  if (credentials) {
    context_ = make_tls_context(*credentials, false);
  } else {
    context_ = std::make_unique<ssl::context>(ssl::context::tls_client);
    context_->set_verify_mode(ssl::verify_none);
  }
  tls_.emplace(std::move(socket), *context_);
  tls_->handshake(ssl::stream_base::client, ec);
  if (ec) {
    problem_ = describe_tls_failure(ec, tls_->native_handle());
    return;
  }
  connected_ = true;
}

socket_peer::socket_peer(int fd) {
  boost::asio::local::stream_protocol::socket socket{io_};
  boost::system::error_code ec;
  socket.assign(boost::asio::local::stream_protocol{}, fd, ec);
  if (ec) {
    problem_ = ec.message();
    return;
  }
  local_.emplace(std::move(socket));
  connected_ = true;
}

int socket_peer::fd() {
  return tls_     ? tls_->lowest_layer().native_handle()
         : plain_ ? plain_->native_handle()
         : local_ ? local_->native_handle()
                  : -1;
}

size_t socket_peer::read_some(std::vector<uint8_t>& chunk,
                              boost::system::error_code& ec) {
  auto buffer = boost::asio::buffer(chunk);
  return tls_     ? tls_->read_some(buffer, ec)
         : plain_ ? plain_->read_some(buffer, ec)
                  : local_->read_some(buffer, ec);
}

bool socket_peer::send(const std::vector<uint8_t>& bytes) {
  boost::system::error_code ec;
  if (tls_)
    boost::asio::write(*tls_, boost::asio::buffer(bytes), ec);
  else if (plain_)
    boost::asio::write(*plain_, boost::asio::buffer(bytes), ec);
  else if (local_)
    boost::asio::write(*local_, boost::asio::buffer(bytes), ec);
  else
    return false;
  return !ec;
}

std::vector<uint8_t> socket_peer::read(size_t count,
                                       std::chrono::milliseconds timeout) {
  std::vector<uint8_t> got;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto fd = this->fd();
  while (fd >= 0 && got.size() < count) {
    // TLS may hold decrypted bytes already: only wait when it has none.
    bool buffered = tls_ && SSL_pending(tls_->native_handle()) > 0;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!buffered && (left.count() <= 0 || !readable(fd, left)))
      break;
    std::vector<uint8_t> chunk(count - got.size());
    boost::system::error_code ec;
    auto n = read_some(chunk, ec);
    if (ec || n == 0)
      break;
    got.insert(got.end(), chunk.begin(), chunk.begin() + n);
  }
  return got;
}

bool socket_peer::closed_within(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto fd = this->fd();
  if (fd < 0)
    return true;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !readable(fd, left))
      return false;
    std::vector<uint8_t> chunk(4096);
    boost::system::error_code ec;
    auto n = read_some(chunk, ec);
    if (ec || n == 0)
      return true;
  }
}

std::string socket_peer::tls_version() {
  return tls_ ? SSL_get_version(tls_->native_handle()) : "";
}

fake_caf::fake_caf() {
  test_config cfg;
  caf::actor_system sys{cfg};
  greeting_ = server_handshake(sys, node());
  auto id = serialized(sys, node());
  node_key_.assign(id.begin(), id.end());
  thread_ = std::thread{[this] {
    auto guard = boost::asio::make_work_guard(io_);
    io_.run();
  }};
}

fake_caf::~fake_caf() {
  io_.stop();
  thread_.join();
}

caf::node_id fake_caf::node() {
  return some_other_node(99);
}

namespace {

// One connection to the stand-in: counts what arrives.
struct counting_session : std::enable_shared_from_this<counting_session> {
  counting_session(boost::asio::local::stream_protocol::socket socket,
                   std::function<void(size_t)> count)
      : socket(std::move(socket)), count(std::move(count)) {}

  void read() {
    auto self = shared_from_this();
    socket.async_read_some(
        boost::asio::buffer(buffer),
        [self](const boost::system::error_code& ec, size_t n) {
          if (ec)
            return;
          self->count(n);
          self->read();
        });
  }

  boost::asio::local::stream_protocol::socket socket;
  std::function<void(size_t)> count;
  std::array<uint8_t, 65536> buffer{};
};

} // namespace

caf_side fake_caf::side() {
  caf_side result;
  result.node = node_key_;
  result.accept = [this](int fd, std::string& problem) {
    boost::asio::local::stream_protocol::socket socket{io_};
    boost::system::error_code ec;
    socket.assign(boost::asio::local::stream_protocol{}, fd, ec);
    if (ec) {
      problem = ec.message();
      return false;
    }
    ++connections_;
    boost::asio::write(socket, boost::asio::buffer(greeting_), ec);
    auto session = std::make_shared<counting_session>(
        std::move(socket), [this](size_t n) {
          std::lock_guard guard{mutex_};
          received_ += n;
          arrived_.notify_all();
        });
    boost::asio::post(io_, [session] { session->read(); });
    return true;
  };
  return result;
}

uint64_t fake_caf::received() const {
  std::lock_guard guard{mutex_};
  return received_;
}

bool fake_caf::wait_for_bytes(uint64_t bytes,
                              std::chrono::milliseconds timeout) {
  std::unique_lock guard{mutex_};
  return arrived_.wait_for(guard, timeout,
                           [&] { return received_ >= bytes; });
}

} // namespace fovea::test
