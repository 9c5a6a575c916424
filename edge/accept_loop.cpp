#include "edge/accept_loop.hpp"

#include <memory>

#include <boost/asio/steady_timer.hpp>

namespace fovea {

namespace {

using boost::asio::ip::tcp;

struct accept_loop {
  accept_loop(edge_core& core, tcp::acceptor acceptor, std::string label,
              std::function<void(tcp::socket)> take)
      : core(core), acceptor(std::move(acceptor)), label(std::move(label)),
        take(std::move(take)), pause(core.io) {}

  edge_core& core;
  tcp::acceptor acceptor;
  std::string label;
  std::function<void(tcp::socket)> take;
  boost::asio::steady_timer pause;
};

void next(std::shared_ptr<accept_loop> loop) {
  auto& acceptor = loop->acceptor;
  acceptor.async_accept(
      [loop](const boost::system::error_code& ec, tcp::socket socket) {
        if (ec == boost::asio::error::operation_aborted)
          return;
        if (!ec) {
          loop->take(std::move(socket));
          next(loop);
          return;
        }
        loop->core.say(loop->label + ": cannot accept: " + ec.message());
        loop->pause.expires_after(std::chrono::milliseconds(100));
        loop->pause.async_wait([loop](const boost::system::error_code& ec) {
          if (!ec)
            next(loop);
        });
      });
}

} // namespace

void keep_accepting(edge_core& core, tcp::acceptor acceptor, std::string label,
                    std::function<void(tcp::socket)> take) {
  next(std::make_shared<accept_loop>(core, std::move(acceptor),
                                     std::move(label), std::move(take)));
}

} // namespace fovea
