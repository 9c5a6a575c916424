// fovea-bench-fleet: a simulated fleet of N workers for one coordinator,
// in one process. A CAF 0.17 process is one node (its id is pid + host),
// so this one speaks BASP itself, with CAF's own serializer: N
// connections, each with a node id of its own, each carrying one virtual
// worker that registers and answers each batch after IMAGE_MS per image
// in it, one batch at a time, as a worker with a queue would (and says, as
// one does, how starved or queued it was). No LibTorch: what it measures is the
// coordinator.
//
//   fovea-bench-fleet HOST:PORT WORKERS IMAGE_MS [LEAVE_AFTER_S JOIN_AFTER_S]
//
// Plain edges only (loopback, as bench/run's plain rows). Workers come
// from 127.0.0.1 .. 127.0.0.250 in turn, so that an edge's per-address
// caps see a fleet. With LEAVE_AFTER_S, a tenth of the workers close their
// connections that many seconds after their first batch (their batches
// are retried elsewhere), and with JOIN_AFTER_S as many new ones join
// then. Prints "fleet ready N" once all registered, and at SIGTERM the
// batches and images it answered and, over the workers that stayed, the
// fewest, median and most images one of them answered (dispatch fairness).
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/io/basp/header.hpp>
#include <caf/message.hpp>
#include <caf/message_id.hpp>
#include <caf/node_id.hpp>

#include "messages/protocol.hpp"
#include "messages/register_types.hpp"
#include "messages/type_ids.hpp"

namespace {

namespace asio = boost::asio;
namespace basp = caf::io::basp;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using namespace fovea;

constexpr caf::actor_id worker_actor_id = 100; // the virtual worker, on its node

struct fleet_config : caf::actor_system_config {
  fleet_config() {
    register_types(*this);
  }
};

struct totals {
  uint64_t batches = 0;
  uint64_t images = 0;
  size_t registered = 0;
  size_t wanted = 0;
};

template <class... Ts>
std::vector<char> serialized(caf::actor_system& sys, Ts&&... xs) {
  std::vector<char> out;
  caf::binary_serializer sink{sys, out};
  sink(xs...);
  return out;
}

std::vector<char> frame(caf::actor_system& sys, basp::message_type op,
                         uint64_t data, caf::actor_id source,
                         caf::actor_id dest, const std::vector<char>& payload,
                         uint8_t flags = 0) {
  basp::header hdr{op,     flags, static_cast<uint32_t>(payload.size()),
                   data,   source, dest};
  auto out = serialized(sys, hdr);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

// One virtual worker on a connection of its own.
class virtual_worker : public std::enable_shared_from_this<virtual_worker> {
public:
  virtual_worker(asio::io_context& io, caf::actor_system& sys, totals& sum,
                 size_t number, clock_type::duration image_time)
    : io_(io), sys_(sys), sum_(sum), number_(number), socket_(io),
      batch_timer_(io), heartbeat_(io), image_time_(image_time) {
    caf::node_id::default_data::host_id_type host{};
    host.fill(0x5e);
    node_ = caf::make_node_id(static_cast<uint32_t>(100000 + number), host);
  }

  void start(const tcp::endpoint& coordinator) {
    coordinator_address_ = coordinator;
    auto from = asio::ip::make_address_v4(
      "127.0.0." + std::to_string(1 + number_ % 250));
    boost::system::error_code ignored;
    socket_.close(ignored);
    outbox_.clear();
    socket_.open(tcp::v4());
    socket_.bind(tcp::endpoint(from, 0));
    socket_.async_connect(coordinator, [self = shared_from_this()](auto ec) {
      if (ec)
        return self->retry();
      self->socket_.set_option(tcp::no_delay(true));
      // A plain edge hands a connection on once it speaks: ours first.
      self->write(frame(self->sys_, basp::message_type::client_handshake, 0,
                        0, 0, serialized(self->sys_, self->node_)));
      self->read_header();
      self->beat();
    });
  }

  // An edge refuses connections past its handshake caps, as it would a
  // fleet restarting at once; a worker tries again later, as real ones do
  // (with CAF's backoff), until it is registered.
  void retry() {
    if (registered_ || left_)
      return;
    heartbeat_.cancel();
    batch_timer_.expires_after(std::chrono::milliseconds(100 + number_ % 200));
    batch_timer_.async_wait([self = shared_from_this()](auto ec) {
      if (!ec)
        self->start(self->coordinator_address_);
    });
  }

  uint64_t images() const noexcept { return images_; }
  bool left() const noexcept { return left_; }

  void leave() {
    left_ = true;
    boost::system::error_code ignored;
    socket_.close(ignored);
    batch_timer_.cancel();
    heartbeat_.cancel();
  }

private:
  struct pending {
    uint64_t reply_id;
    caf::actor_id to;
    std::vector<image_task> tasks;
    uint32_t queued_ahead;
    uint32_t starved_us;
  };

  void write(std::vector<char> bytes) {
    outbox_.push_back(std::move(bytes));
    if (outbox_.size() == 1)
      write_next();
  }

  void write_next() {
    asio::async_write(socket_, asio::buffer(outbox_.front()),
                      [self = shared_from_this()](auto ec, size_t) {
                        if (ec)
                          return;
                        self->outbox_.pop_front();
                        if (!self->outbox_.empty())
                          self->write_next();
                      });
  }

  // A heartbeat a second, as CAF's middleman sends them: the coordinator
  // drops a connection silent for its connection-timeout.
  void beat() {
    heartbeat_.expires_after(std::chrono::seconds(1));
    heartbeat_.async_wait([self = shared_from_this()](auto ec) {
      if (ec)
        return;
      self->write(frame(self->sys_, basp::message_type::heartbeat, 0, 0, 0,
                        {}));
      self->beat();
    });
  }

  void read_header() {
    head_.resize(basp::header_size);
    asio::async_read(socket_, asio::buffer(head_),
                     [self = shared_from_this()](auto ec, size_t) {
                       if (ec)
                         return self->retry();
                       caf::binary_deserializer source{self->sys_, self->head_};
                       if (source(self->hdr_))
                         return;
                       self->payload_.resize(self->hdr_.payload_len);
                       if (self->payload_.empty())
                         self->got_frame();
                       else
                         self->read_payload();
                     });
  }

  void read_payload() {
    asio::async_read(socket_, asio::buffer(payload_),
                     [self = shared_from_this()](auto ec, size_t) {
                       if (!ec)
                         self->got_frame();
                     });
  }

  void got_frame() {
    if (hdr_.operation == basp::message_type::server_handshake)
      greeted();
    else if (hdr_.operation == basp::message_type::direct_message
             && hdr_.dest_actor == worker_actor_id)
      got_message();
    // Heartbeats, monitor and down messages, discovery: nothing to do.
    read_header();
  }

  // The server's handshake names the coordinator's actor: CAF's second
  // client handshake, then the registration.
  void greeted() {
    caf::node_id server;
    std::vector<std::string> app_ids;
    std::set<std::string> interface;
    caf::binary_deserializer source{sys_, payload_};
    if (source(server, app_ids, coordinator_, interface))
      return;
    write(frame(sys_, basp::message_type::client_handshake, 0, 0, 0,
                serialized(sys_, node_), basp::header::select_connection_flag));
    worker_info info;
    info.id = "sim-" + std::to_string(number_);
    info.host = "fleet";
    info.model = "sim@1";
    info.slots = 128;
    info.classes = 10;
    info.model_digest = std::string(64, 'a');
    auto request = caf::make_message_id(1);
    register_reply_ = request.response_id().integer_value();
    write(frame(sys_, basp::message_type::direct_message,
                request.integer_value(), worker_actor_id, coordinator_,
                serialized(sys_, std::vector<caf::strong_actor_ptr>{},
                           caf::make_message(register_atom::value, info))));
  }

  void got_message() {
    std::vector<caf::strong_actor_ptr> stages;
    caf::message content;
    caf::binary_deserializer source{sys_, payload_};
    if (source(stages, content))
      return;
    if (hdr_.operation_data == register_reply_) {
      registered_ = true;
      if (++sum_.registered == sum_.wanted)
        std::printf("fleet ready %zu\n", sum_.wanted), std::fflush(stdout);
      return;
    }
    if (!content.match_elements<classify_atom, std::vector<image_task>>())
      return;
    auto id = caf::message_id{hdr_.operation_data};
    pending batch{id.response_id().integer_value(), hdr_.source_actor,
                  content.get_as<std::vector<image_task>>(1),
                  static_cast<uint32_t>(queue_.size()), 0};
    if (queue_.empty()) {
      batch.starved_us = static_cast<uint32_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(
          clock_type::now() - idle_since_)
          .count());
      queue_.push_back(std::move(batch));
      run_next();
    } else {
      queue_.push_back(std::move(batch));
    }
  }

  // The batch at the front takes image_time per image, then is answered.
  void run_next() {
    batch_timer_.expires_after(
      image_time_ * static_cast<long>(queue_.front().tasks.size()));
    batch_timer_.async_wait([self = shared_from_this()](auto ec) {
      if (!ec)
        self->answer_front();
    });
  }

  void answer_front() {
    auto batch = std::move(queue_.front());
    queue_.pop_front();
    batch_answer answer;
    answer.starved_us = batch.starved_us;
    answer.queued_ahead = batch.queued_ahead;
    for (auto& task : batch.tasks) {
      auto& row = answer.rows.emplace_back();
      row.job = task.job;
      row.index = task.index;
      row.label = static_cast<int32_t>(task.index % 10);
      row.score = 1;
    }
    ++sum_.batches;
    sum_.images += batch.tasks.size();
    images_ += batch.tasks.size();
    write(frame(sys_, basp::message_type::direct_message, batch.reply_id,
                worker_actor_id, batch.to,
                serialized(sys_, std::vector<caf::strong_actor_ptr>{},
                           caf::make_message(std::move(answer)))));
    if (queue_.empty())
      idle_since_ = clock_type::now();
    else
      run_next();
  }

  asio::io_context& io_;
  caf::actor_system& sys_;
  totals& sum_;
  size_t number_;
  tcp::socket socket_;
  asio::steady_timer batch_timer_;
  asio::steady_timer heartbeat_;
  clock_type::duration image_time_;
  caf::node_id node_;
  tcp::endpoint coordinator_address_;
  bool registered_ = false;
  bool left_ = false;
  uint64_t images_ = 0; ///< answered, in all
  caf::actor_id coordinator_ = 0;
  uint64_t register_reply_ = 0;
  std::vector<char> head_;
  std::vector<char> payload_;
  basp::header hdr_;
  std::deque<std::vector<char>> outbox_;
  std::deque<pending> queue_;
  clock_type::time_point idle_since_ = clock_type::now();
};

} // namespace

int main(int argc, char** argv) {
  if (argc != 4 && argc != 6) {
    std::fprintf(stderr, "usage: fovea-bench-fleet HOST:PORT WORKERS IMAGE_MS "
                         "[LEAVE_AFTER_S JOIN_AFTER_S]\n");
    return 2;
  }
  std::string target = argv[1];
  auto colon = target.rfind(':');
  if (colon == std::string::npos) {
    std::fprintf(stderr, "fovea-bench-fleet: %s is not HOST:PORT\n", argv[1]);
    return 2;
  }
  auto count = static_cast<size_t>(std::stoul(argv[2]));
  auto image_time = std::chrono::duration_cast<clock_type::duration>(
    std::chrono::duration<double, std::milli>(std::stod(argv[3])));
  fleet_config cfg;
  caf::actor_system sys{cfg};
  asio::io_context io;
  tcp::endpoint coordinator(asio::ip::make_address(target.substr(0, colon)),
                            static_cast<uint16_t>(
                              std::stoi(target.substr(colon + 1))));
  totals sum;
  sum.wanted = count;
  std::vector<std::shared_ptr<virtual_worker>> fleet;
  for (size_t i = 0; i < count; ++i) {
    fleet.push_back(
      std::make_shared<virtual_worker>(io, sys, sum, i, image_time));
    fleet.back()->start(coordinator);
  }
  // Churn: a tenth leave, and as many new ones join, mid-job.
  asio::steady_timer leave_timer(io), join_timer(io);
  if (argc == 6) {
    auto churn = std::max<size_t>(1, count / 10);
    leave_timer.expires_after(
      std::chrono::duration_cast<clock_type::duration>(
        std::chrono::duration<double>(std::stod(argv[4]))));
    leave_timer.async_wait([&, churn](auto ec) {
      if (ec)
        return;
      for (size_t i = 0; i < churn; ++i)
        fleet[i]->leave();
      std::printf("fleet: %zu workers left\n", churn);
      std::fflush(stdout);
    });
    join_timer.expires_after(
      std::chrono::duration_cast<clock_type::duration>(
        std::chrono::duration<double>(std::stod(argv[5]))));
    join_timer.async_wait([&, churn](auto ec) {
      if (ec)
        return;
      sum.wanted += churn;
      for (size_t i = 0; i < churn; ++i) {
        fleet.push_back(std::make_shared<virtual_worker>(
          io, sys, sum, count + i, image_time));
        fleet.back()->start(coordinator);
      }
      std::printf("fleet: %zu workers joined\n", churn);
      std::fflush(stdout);
    });
  }
  asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](auto, int) {
    std::printf("fleet: %llu batches, %llu images answered\n",
                static_cast<unsigned long long>(sum.batches),
                static_cast<unsigned long long>(sum.images));
    std::vector<uint64_t> stayed;
    for (size_t i = 0; i < count; ++i)
      if (!fleet[i]->left())
        stayed.push_back(fleet[i]->images());
    std::sort(stayed.begin(), stayed.end());
    if (!stayed.empty())
      std::printf("fleet: images per worker that stayed: fewest %llu, median "
                  "%llu, most %llu\n",
                  static_cast<unsigned long long>(stayed.front()),
                  static_cast<unsigned long long>(stayed[stayed.size() / 2]),
                  static_cast<unsigned long long>(stayed.back()));
    std::fflush(stdout);
    io.stop();
  });
  io.run();
  return 0;
}
