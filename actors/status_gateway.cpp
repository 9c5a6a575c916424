#include "actors/status_gateway.hpp"

#include <mutex>
#include <unordered_map>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include "messages/errors.hpp"

namespace fovea {

namespace {

// A drain waits for the worker's batches in hand, as the worker's own does.
constexpr auto longest_drain = std::chrono::minutes(10);

using any_reply = std::function<void(caf::expected<caf::message>)>;

} // namespace

struct status_gateway::shared {
  std::mutex lock;
  caf::actor helper; ///< null: not attached (yet, or any more)
  bool detached = false;
  uint64_t next_key = 1;
  std::unordered_map<uint64_t, any_reply> waiting;
  std::string listening; ///< the coordinator's edge, "host:port"

  /// The callback of request `key`, taken (empty if it is gone).
  any_reply take(uint64_t key) {
    std::lock_guard<std::mutex> guard{lock};
    auto found = waiting.find(key);
    if (found == waiting.end())
      return {};
    auto done = std::move(found->second);
    waiting.erase(found);
    return done;
  }
};

namespace {

// Makes one request of the coordinator and hands its answer, as a message,
// to the callback of `key`.
template <class T, class Timeout, class... Ts>
void forward(caf::event_based_actor* self, const coordinator_actor& coordinator,
             const std::shared_ptr<status_gateway::shared>& shared,
             uint64_t key, Timeout timeout, Ts&&... xs) {
  self->request(coordinator, timeout, std::forward<Ts>(xs)...)
    .then(
      [shared, key](T& answer) {
        if (auto done = shared->take(key))
          done(caf::make_message(std::move(answer)));
      },
      [shared, key](caf::error& err) {
        if (auto done = shared->take(key))
          done(std::move(err));
      });
}

caf::behavior status_asker(caf::event_based_actor* self,
                           coordinator_actor coordinator,
                           std::shared_ptr<status_gateway::shared> shared) {
  auto read = status_gateway::read_timeout;
  return {
    [=](nodes_atom, uint64_t key) {
      forward<std::vector<node_row>>(self, coordinator, shared, key, read,
                                     nodes_atom::value);
    },
    [=](jobs_atom, uint64_t key) {
      forward<std::vector<job_row>>(self, coordinator, shared, key, read,
                                    jobs_atom::value);
    },
    [=](models_atom, uint64_t key) {
      forward<std::vector<served_model>>(self, coordinator, shared, key, read,
                                         models_atom::value);
    },
    [=](events_atom, uint64_t key, uint64_t after) {
      forward<std::vector<cluster_event>>(self, coordinator, shared, key, read,
                                          events_atom::value, after);
    },
    [=](queue_atom, uint64_t key) {
      forward<queue_view>(self, coordinator, shared, key, read,
                          queue_atom::value);
    },
    [=](cancel_atom, uint64_t key, uint64_t job) {
      forward<uint64_t>(self, coordinator, shared, key, read,
                        cancel_atom::value, job);
    },
    [=](drain_atom, uint64_t key, std::string& worker) {
      forward<uint64_t>(self, coordinator, shared, key, longest_drain,
                        drain_atom::value, std::move(worker));
    },
  };
}

} // namespace

status_gateway::status_gateway() : shared_(std::make_shared<shared>()) {
}

status_gateway::~status_gateway() {
  detach();
}

void status_gateway::attach(caf::actor_system& sys,
                            coordinator_actor coordinator) {
  std::lock_guard<std::mutex> guard{shared_->lock};
  if (shared_->detached || shared_->helper)
    return;
  shared_->helper = sys.spawn(status_asker, std::move(coordinator), shared_);
}

void status_gateway::detach() {
  caf::actor helper;
  std::unordered_map<uint64_t, any_reply> waiting;
  std::string listening; ///< the coordinator's edge, "host:port"
  {
    std::lock_guard<std::mutex> guard{shared_->lock};
    shared_->detached = true;
    helper.swap(shared_->helper);
    waiting.swap(shared_->waiting);
  }
  if (helper)
    caf::anon_send_exit(helper, caf::exit_reason::user_shutdown);
  for (auto& [key, done] : waiting)
    done(make_error(errc::no_coordinator, "the coordinator has stopped"));
}

template <class T, class Atom, class... Ts>
void status_gateway::ask(reply_fn<T> done, Atom atom, Ts... xs) {
  caf::actor helper;
  uint64_t key = 0;
  std::string why;
  {
    std::lock_guard<std::mutex> guard{shared_->lock};
    if (shared_->detached)
      why = "the coordinator has stopped";
    else if (!shared_->helper)
      why = "the coordinator is starting";
    else {
      helper = shared_->helper;
      key = shared_->next_key++;
      shared_->waiting.emplace(key, [done](caf::expected<caf::message> m) {
        if (!m)
          done(std::move(m.error()));
        else
          done(std::move(m->get_mutable_as<T>(0)));
      });
    }
  }
  if (!why.empty()) {
    done(make_error(errc::no_coordinator, why));
    return;
  }
  caf::anon_send(helper, atom, key, std::move(xs)...);
}

void status_gateway::nodes(reply_fn<std::vector<node_row>> done) {
  std::string address;
  {
    std::lock_guard<std::mutex> guard{shared_->lock};
    address = shared_->listening;
  }
  reply_fn<std::vector<node_row>> with_address
    = [done = std::move(done), address = std::move(address)](
        caf::expected<std::vector<node_row>> rows) {
        if (rows)
          for (auto& row : *rows)
            if (row.role == node_role::coordinator && row.address.empty())
              row.address = address;
        done(std::move(rows));
      };
  ask(std::move(with_address), nodes_atom::value);
}

void status_gateway::listening_on(std::string address) {
  std::lock_guard<std::mutex> guard{shared_->lock};
  shared_->listening = std::move(address);
}

void status_gateway::jobs(reply_fn<std::vector<job_row>> done) {
  ask(std::move(done), jobs_atom::value);
}

void status_gateway::models(reply_fn<std::vector<served_model>> done) {
  ask(std::move(done), models_atom::value);
}

void status_gateway::events(uint64_t after,
                            reply_fn<std::vector<cluster_event>> done) {
  ask(std::move(done), events_atom::value, after);
}

void status_gateway::queue(reply_fn<queue_view> done) {
  ask(std::move(done), queue_atom::value);
}

void status_gateway::cancel(uint64_t job, reply_fn<uint64_t> done) {
  ask(std::move(done), cancel_atom::value, job);
}

void status_gateway::drain(std::string worker, reply_fn<uint64_t> done) {
  ask(std::move(done), drain_atom::value, std::move(worker));
}

} // namespace fovea
