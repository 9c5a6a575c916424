#include "edge/http_front.hpp"

#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "edge/connection_limits.hpp"
#include "edge/edge_core.hpp"
#include "edge/tls_context.hpp"

namespace fovea {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr size_t header_limit = 8 * 1024;

} // namespace

struct http_front::loop {
  explicit loop(http_front_options opts)
      : options(std::move(opts)),
        connections(options.max_connections,
                    options.max_connections_per_address,
                    "the HTTP front's connection limit",
                    "the HTTP front's limit per address"),
        acceptor(io), pause(io) {}

  http_front_options options;
  std::vector<http_route> routes;
  connection_limits connections; ///< the loop's thread only
  std::unique_ptr<asio::ssl::context> tls;
  // After what pending sessions use (destroying the loop destroys them),
  // before what must go first (Asio objects outlive not their io_context).
  asio::io_context io;
  tcp::acceptor acceptor;
  asio::steady_timer pause;

  void say(const std::string& line) {
    if (options.say)
      options.say("http: " + line);
  }
};

namespace {

using front_loop = http_front::loop;

http_answer text(unsigned status, std::string body) {
  http_answer answer;
  answer.status = status;
  answer.body = std::move(body) + "\n";
  return answer;
}

// What a request gets: its route's answer, or why not.
http_answer answer(const front_loop& loop, const http_request& request,
                   bool tls) {
  bool path_known = false;
  for (auto& route : loop.routes) {
    if (route.path != request.path)
      continue;
    path_known = true;
    if (route.method != request.method)
      continue;
    if (tls && route.roles.count(request.who.role) == 0)
      return text(403, "certificate " + request.who.name + " has role "
                         + to_string(request.who.role)
                         + ", which may not use " + request.path);
    return route.handler(request);
  }
  return path_known ? text(405, "method not allowed")
                    : text(404, "no such path");
}

tcp::socket& lowest_socket(beast::tcp_stream& s) {
  return s.socket();
}

tcp::socket& lowest_socket(beast::ssl_stream<beast::tcp_stream>& s) {
  return beast::get_lowest_layer(s).socket();
}

// One connection, from its accept (or handshake) until it closes.
template <class Stream>
class session : public std::enable_shared_from_this<session<Stream>> {
public:
  template <class... Args>
  session(front_loop& loop, std::string source, Args&&... args)
      : loop_(loop), source_(std::move(source)),
        stream_(std::forward<Args>(args)...) {}

  ~session() { loop_.connections.release(source_); }

  void start() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      read();
    } else {
      auto self = this->shared_from_this();
      deadline();
      stream_.async_handshake(
          asio::ssl::stream_base::server,
          [this, self](const beast::error_code& ec) {
            if (ec)
              return close();
            std::string problem;
            if (!peer_certificate(stream_.native_handle(), who_.name,
                                  who_.role, problem))
              return close();
            read();
          });
    }
  }

private:
  void deadline() {
    beast::get_lowest_layer(stream_).expires_after(
        loop_.options.request_timeout);
  }

  void read() {
    auto self = this->shared_from_this();
    parser_.emplace();
    parser_->header_limit(header_limit);
    parser_->body_limit(loop_.options.max_body_bytes);
    deadline();
    http::async_read(stream_, buffer_, *parser_,
                     [this, self](const beast::error_code& ec, size_t) {
                       on_read(ec);
                     });
  }

  void on_read(const beast::error_code& ec) {
    if (ec == http::error::header_limit)
      return reply(text(431, "request header fields too large"), false, 11);
    if (ec == http::error::body_limit)
      return reply(text(413, "request body too large"), false, 11);
    if (ec == beast::error::timeout || ec == http::error::end_of_stream
        || ec == asio::error::eof || ec == asio::error::connection_reset
        || ec == asio::error::operation_aborted
        || ec == asio::ssl::error::stream_truncated)
      return close();
    if (ec)
      return reply(text(400, "bad request: " + ec.message()), false, 11);
    auto& req = parser_->get();
    http_request request;
    request.method = std::string{req.method_string()};
    auto target = std::string{req.target()};
    auto query = target.find('?');
    request.path = target.substr(0, query);
    if (query != std::string::npos)
      request.query = target.substr(query + 1);
    request.body = std::move(req.body());
    request.who = who_;
    reply(answer(loop_, request, !std::is_same_v<Stream, beast::tcp_stream>),
          req.keep_alive(), req.version());
  }

  void reply(http_answer answer, bool keep_alive, unsigned version) {
    auto self = this->shared_from_this();
    auto response =
        std::make_shared<http::response<http::string_body>>(
            static_cast<http::status>(answer.status), version);
    response->set(http::field::content_type, answer.content_type);
    response->set(http::field::cache_control, "no-store");
    response->body() = std::move(answer.body);
    response->keep_alive(keep_alive);
    response->prepare_payload();
    deadline();
    http::async_write(stream_, *response,
                      [this, self, response](const beast::error_code& ec,
                                             size_t) {
                        if (ec || !response->keep_alive())
                          return close();
                        read();
                      });
  }

  void close() {
    beast::error_code ignored;
    auto& socket = lowest_socket(stream_);
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  front_loop& loop_;
  std::string source_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  peer_identity who_;
};

void accept_next(front_loop& loop) {
  loop.acceptor.async_accept([&loop](const beast::error_code& ec,
                                     tcp::socket socket) {
    if (ec == asio::error::operation_aborted)
      return;
    if (ec) {
      // Out of descriptors, say: pause instead of spinning on the error.
      loop.say("cannot accept: " + ec.message());
      loop.pause.expires_after(std::chrono::milliseconds(100));
      loop.pause.async_wait([&loop](const beast::error_code& ec) {
        if (!ec)
          accept_next(loop);
      });
      return;
    }
    beast::error_code ignored;
    auto peer = socket.remote_endpoint(ignored);
    auto source = connection_source(peer.address());
    if (auto why = loop.connections.admit(source); !why.empty()) {
      loop.say("refused " + address_text(peer) + ": " + why);
      socket.close(ignored);
    } else if (loop.tls) {
      std::make_shared<session<beast::ssl_stream<beast::tcp_stream>>>(
          loop, source, std::move(socket), *loop.tls)
          ->start();
    } else {
      std::make_shared<session<beast::tcp_stream>>(loop, source,
                                                   std::move(socket))
          ->start();
    }
    accept_next(loop);
  });
}

} // namespace

std::unique_ptr<http_front> http_front::start(http_front_options options,
                                              std::vector<http_route> routes,
                                              std::string& problem) {
  std::unique_ptr<http_front> front{new http_front};
  front->host_ = options.host;
  front->loop_ = std::make_unique<loop>(std::move(options));
  auto& l = *front->loop_;
  l.routes = std::move(routes);
  if (l.options.credentials) {
    l.tls = make_tls_context(*l.options.credentials, true);
    front->tls_ = true;
  }
  beast::error_code ec;
  tcp::resolver resolver{l.io};
  auto found = resolver.resolve(l.options.host, std::to_string(l.options.port),
                                tcp::resolver::passive, ec);
  if (ec || found.empty()) {
    problem = "cannot resolve " + l.options.host
              + (ec ? ": " + ec.message() : std::string{});
    return nullptr;
  }
  auto where = found.begin()->endpoint();
  l.acceptor.open(where.protocol(), ec);
  if (!ec)
    l.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec)
    l.acceptor.bind(where, ec);
  if (!ec)
    l.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    problem = "cannot listen on " + l.options.host + ":"
              + std::to_string(l.options.port) + ": " + ec.message()
              + " (is another process using that port?)";
    return nullptr;
  }
  front->port_ = l.acceptor.local_endpoint().port();
  accept_next(l);
  front->thread_ = std::thread{[&l] { l.io.run(); }};
  return front;
}

http_front::~http_front() {
  if (loop_)
    loop_->io.stop();
  if (thread_.joinable())
    thread_.join();
}

std::string http_front::url() const {
  auto host = host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_;
  return std::string{tls_ ? "https" : "http"} + "://" + host + ":"
         + std::to_string(port_);
}

} // namespace fovea
