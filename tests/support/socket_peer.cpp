#include "tests/support/socket_peer.hpp"

#include <array>
#include <poll.h>

#include <boost/asio/connect.hpp>
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
                         bool tls_without_certificate) {
  tcp::socket socket{io_};
  boost::system::error_code ec;
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

bool socket_peer::send(const std::vector<uint8_t>& bytes) {
  boost::system::error_code ec;
  if (tls_)
    boost::asio::write(*tls_, boost::asio::buffer(bytes), ec);
  else if (plain_)
    boost::asio::write(*plain_, boost::asio::buffer(bytes), ec);
  else
    return false;
  return !ec;
}

std::vector<uint8_t> socket_peer::read(size_t count,
                                       std::chrono::milliseconds timeout) {
  std::vector<uint8_t> got;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto fd = tls_     ? tls_->lowest_layer().native_handle()
            : plain_ ? plain_->native_handle()
                     : -1;
  while (fd >= 0 && got.size() < count) {
    // TLS may hold decrypted bytes already: only wait when it has none.
    bool buffered = tls_ && SSL_pending(tls_->native_handle()) > 0;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (!buffered && (left.count() <= 0 || !readable(fd, left)))
      break;
    std::vector<uint8_t> chunk(count - got.size());
    boost::system::error_code ec;
    auto n = tls_ ? tls_->read_some(boost::asio::buffer(chunk), ec)
                  : plain_->read_some(boost::asio::buffer(chunk), ec);
    if (ec || n == 0)
      break;
    got.insert(got.end(), chunk.begin(), chunk.begin() + n);
  }
  return got;
}

bool socket_peer::closed_within(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto fd = tls_     ? tls_->lowest_layer().native_handle()
            : plain_ ? plain_->native_handle()
                     : -1;
  if (fd < 0)
    return true;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !readable(fd, left))
      return false;
    char chunk[4096];
    boost::system::error_code ec;
    auto n = tls_ ? tls_->read_some(boost::asio::buffer(chunk), ec)
                  : plain_->read_some(boost::asio::buffer(chunk), ec);
    if (ec || n == 0)
      return true;
  }
}

std::string socket_peer::tls_version() {
  return tls_ ? SSL_get_version(tls_->native_handle()) : "";
}

fake_caf_port::fake_caf_port(bool echo) : acceptor_(io_), echo_(echo) {
  tcp::endpoint here{boost::asio::ip::address_v4::loopback(), 0};
  acceptor_.open(here.protocol());
  acceptor_.bind(here);
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
  {
    test_config cfg;
    caf::actor_system sys{cfg};
    greeting_ = server_handshake(sys, some_other_node(99));
  }
  accept();
  thread_ = std::thread{[this] { io_.run(); }};
}

fake_caf_port::~fake_caf_port() {
  io_.stop();
  thread_.join();
}

namespace {

// One connection to the stand-in: counts what arrives and echoes it back.
struct echo_session : std::enable_shared_from_this<echo_session> {
  echo_session(tcp::socket socket, std::atomic<uint64_t>& received, bool echo)
      : socket(std::move(socket)), received(received), echo(echo) {}

  void read() {
    auto self = shared_from_this();
    socket.async_read_some(
        boost::asio::buffer(buffer),
        [self](const boost::system::error_code& ec, size_t n) {
          if (ec)
            return;
          self->received += n;
          if (self->echo) {
            boost::system::error_code ignored;
            boost::asio::write(self->socket,
                               boost::asio::buffer(self->buffer.data(), n),
                               ignored);
          }
          self->read();
        });
  }

  tcp::socket socket;
  std::atomic<uint64_t>& received;
  bool echo;
  std::array<uint8_t, 65536> buffer{};
};

} // namespace

void fake_caf_port::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec,
                                tcp::socket socket) {
    if (ec)
      return;
    ++connections_;
    boost::system::error_code ignored;
    boost::asio::write(socket, boost::asio::buffer(greeting_), ignored);
    std::make_shared<echo_session>(std::move(socket), received_, echo_)->read();
    accept();
  });
}

} // namespace fovea::test
