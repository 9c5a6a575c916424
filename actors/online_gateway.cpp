#include "actors/online_gateway.hpp"

#include <atomic>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include "messages/errors.hpp"

namespace fovea {

namespace {

std::atomic<uint64_t> next_key{1}; // every gateway's, in the process

constexpr auto models_fresh_for = std::chrono::seconds(1);

} // namespace

struct online_gateway::shared {
  std::mutex lock;
  bool closed = false;
  std::unordered_map<uint64_t, rows_fn> waiting;
  /// Asks of the model list while one is on its way.
  std::vector<models_fn> model_asks;
  std::vector<served_model> models;
  std::chrono::steady_clock::time_point models_at{};

  /// The callback of request `key`, taken (empty if it is gone).
  rows_fn take(uint64_t key) {
    std::lock_guard<std::mutex> guard{lock};
    auto found = waiting.find(key);
    if (found == waiting.end())
      return {};
    auto done = std::move(found->second);
    waiting.erase(found);
    return done;
  }

  void models_came(caf::expected<std::vector<served_model>> answer) {
    std::vector<models_fn> asks;
    {
      std::lock_guard<std::mutex> guard{lock};
      if (answer) {
        models = *answer;
        models_at = std::chrono::steady_clock::now();
      }
      asks.swap(model_asks);
    }
    for (auto& done : asks)
      done(answer);
  }
};

namespace {

caf::behavior helper(caf::event_based_actor* self,
                     coordinator_actor coordinator,
                     std::shared_ptr<online_gateway::shared> shared) {
  return {
    [=](infer_atom, online_request& request) {
      auto key = request.key;
      self
        ->request(coordinator, caf::infinite, infer_atom::value,
                  std::move(request))
        .then(
          [=](std::vector<prediction>& rows) {
            if (auto done = shared->take(key))
              done(std::move(rows));
          },
          [=](caf::error& err) {
            if (auto done = shared->take(key))
              done(std::move(err));
          });
    },
    [=](abandon_atom, uint64_t key) {
      self->send(coordinator, abandon_atom::value, key);
    },
    [=](models_atom) {
      self->request(coordinator, caf::infinite, models_atom::value)
        .then(
          [=](std::vector<served_model>& models) {
            shared->models_came(std::move(models));
          },
          [=](caf::error& err) { shared->models_came(std::move(err)); });
    },
  };
}

} // namespace

std::shared_ptr<online_gateway>
online_gateway::start(caf::actor_system& sys, coordinator_actor coordinator) {
  std::shared_ptr<online_gateway> result{new online_gateway};
  result->shared_ = std::make_shared<shared>();
  result->helper_ = sys.spawn(helper, std::move(coordinator),
                              result->shared_);
  return result;
}

online_gateway::~online_gateway() {
  close();
}

uint64_t online_gateway::infer(online_request request, rows_fn done) {
  auto key = next_key++;
  request.key = key;
  {
    std::lock_guard<std::mutex> guard{shared_->lock};
    if (!shared_->closed) {
      shared_->waiting.emplace(key, std::move(done));
      caf::anon_send(helper_, infer_atom::value, std::move(request));
      return key;
    }
  }
  done(make_error(errc::busy, "the server is stopping"));
  return key;
}

void online_gateway::abandon(uint64_t key) {
  std::lock_guard<std::mutex> guard{shared_->lock};
  if (shared_->closed || shared_->waiting.erase(key) == 0)
    return; // answered already, or the coordinator is going
  caf::anon_send(helper_, abandon_atom::value, key);
}

void online_gateway::models(models_fn done) {
  caf::expected<std::vector<served_model>> fresh{std::vector<served_model>{}};
  {
    std::lock_guard<std::mutex> guard{shared_->lock};
    if (shared_->closed) {
      fresh = make_error(errc::busy, "the server is stopping");
    } else if (std::chrono::steady_clock::now() - shared_->models_at
               >= models_fresh_for) {
      shared_->model_asks.push_back(std::move(done));
      if (shared_->model_asks.size() == 1)
        caf::anon_send(helper_, models_atom::value);
      return;
    } else {
      fresh = shared_->models;
    }
  }
  done(std::move(fresh));
}

void online_gateway::close() {
  if (!shared_)
    return;
  std::unordered_map<uint64_t, rows_fn> waiting;
  std::vector<models_fn> asks;
  {
    std::lock_guard<std::mutex> guard{shared_->lock};
    if (shared_->closed)
      return;
    shared_->closed = true;
    waiting.swap(shared_->waiting);
    asks.swap(shared_->model_asks);
    caf::anon_send_exit(helper_, caf::exit_reason::user_shutdown);
  }
  auto stopping = make_error(errc::busy, "the server is stopping");
  for (auto& [key, done] : waiting)
    done(stopping);
  for (auto& done : asks)
    done(stopping);
}

} // namespace fovea
