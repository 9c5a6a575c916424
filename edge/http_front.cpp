#include "edge/http_front.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <cctype>
#include <mutex>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
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

// What an answer given later reaches the loop through: cleared (under its
// lock) before the loop's io_context goes, so no answer is posted to it
// after.
struct front_gate {
  std::mutex lock;
  boost::asio::io_context* io = nullptr;
};

struct http_responder::state {
  std::mutex lock;
  /// Posts the answer to its session; empty once used or abandoned.
  std::function<void(http_answer)> deliver;
  std::function<void()> hook; ///< run once when abandoned
  std::atomic<bool> abandoned{false};

  // The delivery, taken once (by an answer, a deadline or a departure).
  std::function<void(http_answer)> take() {
    std::lock_guard<std::mutex> guard{lock};
    return std::exchange(deliver, nullptr);
  }

  void abandon() {
    std::function<void()> run;
    {
      std::lock_guard<std::mutex> guard{lock};
      deliver = nullptr;
      abandoned = true;
      run = std::exchange(hook, nullptr);
    }
    if (run)
      run();
  }
};

http_responder::http_responder(std::shared_ptr<state> s)
    : state_(std::move(s)) {
}

void http_responder::operator()(http_answer answer) const {
  if (auto deliver = state_->take())
    deliver(std::move(answer));
}

bool http_responder::abandoned() const {
  return state_->abandoned;
}

void http_responder::when_abandoned(std::function<void()> hook) const {
  {
    std::lock_guard<std::mutex> guard{state_->lock};
    if (!state_->abandoned) {
      state_->hook = std::move(hook);
      return;
    }
  }
  hook();
}

std::string http_request::header(std::string_view name) const {
  for (auto& [key, value] : headers)
    if (key == name)
      return value;
  return {};
}

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
  std::shared_ptr<front_gate> gate = std::make_shared<front_gate>();
  connection_limits connections; ///< the loop's thread only
  uint64_t body_bytes_held = 0; ///< charged by sessions; the loop's thread
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

// The route a request goes to, or (null) the answer that says why none.
const http_route* route_for(const front_loop& loop, const std::string& method,
                            const std::string& path, const peer_identity& who,
                            bool tls, http_answer& refusal) {
  bool path_known = false;
  for (auto& route : loop.routes) {
    bool matches = route.prefix ? path.compare(0, route.path.size(),
                                               route.path) == 0
                                : route.path == path;
    if (!matches)
      continue;
    path_known = true;
    if (route.method != method)
      continue;
    if (tls && route.roles.count(who.role) == 0) {
      refusal = text(403, "certificate " + who.name + " has role "
                            + to_string(who.role) + ", which may not use "
                            + path);
      return nullptr;
    }
    return &route;
  }
  refusal = path_known ? text(405, "method not allowed")
                       : text(404, "no such path");
  return nullptr;
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

  ~session() {
    if (waiting_)
      waiting_->abandon();
    release_body();
    loop_.connections.release(source_);
  }

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

  static constexpr bool is_tls =
      !std::is_same_v<Stream, beast::tcp_stream>;

  // The header first: its route says how large a body may be.
  void read() {
    auto self = this->shared_from_this();
    parser_.emplace();
    parser_->header_limit(header_limit);
    // Unbounded until the header says which route: Beast checks a
    // Content-Length against the limit when the header is parsed. (Not
    // boost::none: Beast 1.74 compares a length with it as with a value
    // below every other, and refuses every body.)
    parser_->body_limit(std::numeric_limits<uint64_t>::max());
    route_ = nullptr;
    deadline();
    http::async_read_header(
        stream_, buffer_, *parser_,
        [this, self](const beast::error_code& ec, size_t) {
          if (ec)
            return on_read(ec);
          auto& req = parser_->get();
          auto target = std::string{req.target()};
          route_ = route_for(loop_, std::string{req.method_string()},
                             target.substr(0, target.find('?')), who_, is_tls,
                             refusal_);
          // No route, or not for this client: a body is never read (the
          // answer comes now, and the connection closes after it).
          if (!route_
              && (parser_->chunked()
                  || parser_->content_length().value_or(0) > 0))
            return reply(refusal_, false, req.version());
          uint64_t limit = route_ && route_->max_body_bytes > 0
                               ? route_->max_body_bytes
                               : loop_.options.max_body_bytes;
          auto declared = parser_->content_length();
          if (declared && *declared > limit)
            return reply(text(413, "request body too large"), false, 11);
          if (!charge_body(declared.value_or(limit))) {
            auto busy = text(503, "the server holds as many request "
                                  "bodies as it takes; try again later");
            busy.headers.emplace_back("Retry-After", "1");
            return reply(std::move(busy), false, req.version());
          }
          parser_->body_limit(limit); // a chunked body, chunk by chunk
          http::async_read(stream_, buffer_, *parser_,
                           [this, self](const beast::error_code& ec, size_t) {
                             on_read(ec);
                           });
        });
  }

  // Charges a body of at most `bytes` to the front's budget for the bodies
  // of requests not yet answered; false (nothing charged) if it does not
  // fit.
  bool charge_body(uint64_t bytes) {
    auto budget = loop_.options.max_body_bytes_held;
    if (bytes == 0 || budget == 0)
      return true;
    if (loop_.body_bytes_held + bytes > budget)
      return false;
    loop_.body_bytes_held += bytes;
    body_charge_ = bytes;
    return true;
  }

  void release_body() {
    loop_.body_bytes_held -= body_charge_;
    body_charge_ = 0;
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
    for (auto& field : req) {
      std::string name{field.name_string()};
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      request.headers.emplace_back(std::move(name),
                                   std::string{field.value()});
    }
    if (!route_)
      return reply(std::move(refusal_), req.keep_alive(), req.version());
    if (route_->handler)
      return reply(route_->handler(request), req.keep_alive(), req.version());
    wait_for_answer(std::move(request), req.keep_alive(), req.version());
  }

  // A route that answers later: the session waits, with a deadline, and
  // notices a client that goes away meanwhile.
  void wait_for_answer(http_request request, bool keep_alive,
                       unsigned version) {
    auto self = this->shared_from_this();
    auto waiting = std::make_shared<http_responder::state>();
    waiting_ = waiting;
    std::weak_ptr<session> weak = self;
    waiting->deliver = [gate = loop_.gate, weak, keep_alive,
                        version](http_answer answer) {
      std::lock_guard<std::mutex> guard{gate->lock};
      if (!gate->io)
        return; // the front stopped
      boost::asio::post(*gate->io, [weak, keep_alive, version,
                                    answer = std::move(answer)]() mutable {
        if (auto s = weak.lock())
          s->answered(std::move(answer), keep_alive, version);
      });
    };
    // The timer holds the session while it waits.
    answer_timer_.emplace(stream_.get_executor());
    answer_timer_->expires_after(loop_.options.answer_timeout);
    answer_timer_->async_wait(
        [this, self, waiting, keep_alive, version](const beast::error_code& ec) {
          if (ec || !waiting->take())
            return;
          waiting->abandon();
          waiting_.reset();
          reply(text(504, "no answer within "
                            + std::to_string(
                                loop_.options.answer_timeout.count())
                            + " ms"),
                false, version);
        });
    watch_for_departure(waiting);
    route_->answer_later(std::move(request), http_responder{waiting});
  }

  // Readable while it waits: a client that closed (or reset) its end has
  // gone, and its request is abandoned. Data (a pipelined request, a TLS
  // record) is left for after the answer.
  void watch_for_departure(std::shared_ptr<http_responder::state> waiting) {
    auto self = this->shared_from_this();
    lowest_socket(stream_).async_wait(
        tcp::socket::wait_read,
        [this, self, waiting](const beast::error_code& ec) {
          if (ec || waiting_ != waiting)
            return;
          char byte = 0;
          auto n = ::recv(lowest_socket(stream_).native_handle(), &byte, 1,
                          MSG_PEEK | MSG_DONTWAIT);
          if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
            return;
          waiting->abandon();
          waiting_.reset();
          if (answer_timer_)
            answer_timer_->cancel();
          close();
        });
  }

  void answered(http_answer answer, bool keep_alive, unsigned version) {
    if (!waiting_)
      return;
    waiting_.reset();
    if (answer_timer_)
      answer_timer_->cancel();
    reply(std::move(answer), keep_alive, version);
  }

  void reply(http_answer answer, bool keep_alive, unsigned version) {
    release_body(); // its request is answered: its body is no longer held
    auto self = this->shared_from_this();
    auto response =
        std::make_shared<http::response<http::string_body>>(
            static_cast<http::status>(answer.status), version);
    for (auto& [name, value] : answer.headers)
      response->set(name, value);
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
  const http_route* route_ = nullptr; ///< of the request being read
  http_answer refusal_;               ///< why it has none
  uint64_t body_charge_ = 0; ///< of the front's budget, until the answer
  /// The request waiting for a later answer, if any.
  std::shared_ptr<http_responder::state> waiting_;
  std::optional<asio::steady_timer> answer_timer_;
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
  l.gate->io = &l.io;
  accept_next(l);
  front->thread_ = std::thread{[&l] { l.io.run(); }};
  return front;
}

http_front::~http_front() {
  if (loop_) {
    {
      std::lock_guard<std::mutex> guard{loop_->gate->lock};
      loop_->gate->io = nullptr; // no answer is posted from now on
    }
    loop_->io.stop();
  }
  if (thread_.joinable())
    thread_.join();
}

std::string http_front::url() const {
  auto host = host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_;
  return std::string{tls_ ? "https" : "http"} + "://" + host + ":"
         + std::to_string(port_);
}

} // namespace fovea
