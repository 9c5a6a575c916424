// The worker's life:
//
//   +------------+  connected, registered  +------------+
//   | connecting |------------------------>| registered |
//   +------------+                         +------------+
//     |   ^   ^  retry with backoff              |
//     |   |   +----------------------------------+ coordinator down
//     |   +--+                                     (join again)
//     | connect timeout spent, or                    | drain (SIGTERM)
//     | refused for good (role, version)             v
//     v                                     +----------+  coordinator
//   quits with the last error               | draining |  answered: quits
//                                           +----------+
//
// Classify requests are served in every phase: a request can only come from
// a coordinator that has our handle, and its tasks are worth finishing.
#include "actors/worker.hpp"

#include <algorithm>
#include <cmath>

#include <caf/actor_system.hpp>
#include <caf/system_messages.hpp>
#include <caf/exit_reason.hpp>

#include "actors/coroutine.hpp"
#include "actors/remote.hpp"
#include "messages/errors.hpp"
#include "messages/online.hpp"

namespace fovea {

namespace {

using worker_pointer = worker_actor::stateful_pointer<worker_state>;

constexpr auto register_timeout = std::chrono::seconds(10);
constexpr auto first_backoff = std::chrono::milliseconds(100);
constexpr auto max_backoff = std::chrono::seconds(2);
// A drain waits for the batches in hand; a second signal cuts it short.
constexpr auto drain_timeout = std::chrono::minutes(10);

void say(worker_pointer self, const std::string& line) {
  if (self->state.options.say)
    self->state.options.say(line);
}

// connecting -> registered, retrying until the connect timeout is spent.
actor_flow join(worker_pointer self) {
  auto& opts = self->state.options;
  auto deadline = self->clock().now() + opts.connect_timeout;
  auto backoff = caf::timespan{first_backoff};
  caf::error last_error;
  std::string said_refusal;
  for (;;) {
    coordinator_actor coordinator = opts.local_coordinator;
    if (opts.address) {
      auto attempt = ask_connect(self, *opts.address, opts.routes.get(),
                                 max_backoff * 5);
      auto reply = co_await attempt;
      auto found = as_coordinator(self->system(), std::move(reply),
                                  *opts.address, opts.routes.get());
      if (found)
        coordinator = std::move(*found);
      else
        last_error = std::move(found.error());
    }
    if (coordinator) {
      auto request = ask<uint64_t>(self, coordinator, register_timeout,
                                   register_atom::value, opts.info);
      auto registered = co_await request;
      if (registered) {
        self->state.coordinator = coordinator;
        self->state.registration = *registered;
        self->monitor(coordinator);
        if (opts.registered)
          opts.registered(true);
        say(self, "fovea worker " + opts.info.id + " ready: registered with "
                    + (opts.address ? to_string(*opts.address) : "local")
                    + " coordinator (model " + opts.info.model + ", slots "
                    + std::to_string(opts.info.slots) + ")");
        co_return;
      }
      last_error = std::move(registered.error());
      // The coordinator answered, and said no: say why at once (and again
      // only if the reason changes), not only when the retries run out.
      auto why = describe(last_error);
      if (last_error.category() == error_category
          && !final_refusal(last_error) && why != said_refusal) {
        said_refusal = why;
        say(self, "fovea worker " + opts.info.id + ": the coordinator "
                    "refused its registration (" + why + "); trying "
                    "again until fovea.connect-timeout, in case a "
                    "registration of its own from before still holds it");
      }
    }
    if (final_refusal(last_error)) {
      self->quit(std::move(last_error));
      co_return;
    }
    if (self->clock().now() + backoff > deadline) {
      // The last error already says which coordinator and why; the node
      // prints it once, as the reason this worker stopped.
      auto seconds = std::chrono::duration<double>(opts.connect_timeout);
      auto why = last_error.category() == error_category
                   ? describe(last_error)
                   : "no coordinator: " + describe(last_error);
      self->quit(make_error(errc::no_coordinator,
                            "gave up after trying for "
                              + std::to_string(std::lround(seconds.count()))
                              + " s (fovea.connect-timeout); last: " + why));
      co_return;
    }
    auto pause = after(self, backoff);
    co_await pause;
    backoff = std::min(backoff * 2, caf::timespan{max_backoff});
  }
}

// Leaves without loss: the coordinator stops sending work and answers once
// every batch this worker holds is answered; then the worker quits.
actor_flow drain(worker_pointer self) {
  auto& st = self->state;
  if (!st.coordinator || st.draining) {
    self->quit(caf::exit_reason::user_shutdown);
    co_return;
  }
  st.draining = true;
  if (st.options.registered)
    st.options.registered(false);
  say(self, "fovea worker " + st.options.info.id
              + ": draining (finishing the batches it holds)");
  auto request = ask<uint64_t>(self, st.coordinator, drain_timeout,
                               drain_atom::value, st.options.info.id);
  auto drained = co_await request;
  if (drained)
    say(self, "fovea worker " + st.options.info.id + ": drained after "
                + std::to_string(*drained) + " results");
  else
    say(self, "fovea worker " + st.options.info.id
                + ": leaving undrained (" + describe(drained.error()) + ")");
  self->quit(caf::exit_reason::user_shutdown);
}

// Hands a batch to the inference actor and answers with its rows and what
// the worker's load was when the batch came: how long it had held nothing
// (it starved) or how many batches were ahead of this one.
caf::result<batch_answer> classify(worker_pointer self,
                                   std::vector<image_task> tasks) {
  auto& st = self->state;
  auto now = self->clock().now();
  batch_answer load;
  load.queued_ahead = st.held;
  if (st.held == 0) {
    auto starved = std::chrono::duration_cast<std::chrono::microseconds>(
      now - st.idle_since);
    load.starved_us = static_cast<uint32_t>(
      std::clamp<int64_t>(starved.count(), 0, UINT32_MAX));
  }
  ++st.held;
  auto answer = self->make_response_promise<batch_answer>();
  auto done = [self] {
    if (--self->state.held == 0)
      self->state.idle_since = self->clock().now();
  };
  // An inference request's batch goes ahead of the jobs' batches waiting
  // in the model's mailbox (CAF's high-priority queue), so it does not
  // wait for their decoding.
  auto online = !tasks.empty() && is_online_job(tasks.front().job);
  auto asked = online
                 ? self->request<caf::message_priority::high>(
                     st.engine, caf::infinite, classify_atom::value,
                     std::move(tasks))
                 : self->request(st.engine, caf::infinite,
                                 classify_atom::value, std::move(tasks));
  std::move(asked).then(
      [answer, load, done](std::vector<prediction>& rows) mutable {
        done();
        load.rows = std::move(rows);
        answer.deliver(std::move(load));
      },
      [answer, done](caf::error& err) mutable {
        done();
        answer.deliver(std::move(err));
      });
  return answer;
}

} // namespace

worker_actor::behavior_type worker(worker_pointer self, worker_options options,
                                   inference_actor engine) {
  self->state.options = std::move(options);
  self->state.engine = engine;
  self->state.idle_since = self->clock().now();
  // The inference actor lives and dies with us.
  self->link_to(engine);
  self->set_down_handler([self](caf::down_msg& msg) {
    if (msg.source != self->state.coordinator.address())
      return;
    self->state.coordinator = nullptr;
    if (self->state.options.registered)
      self->state.options.registered(false);
    if (self->state.draining) {
      // Nothing left to drain into; the drain's request may never be
      // answered (a response promise dies with its coordinator unsent).
      say(self, "fovea worker " + self->state.options.info.id
                  + ": the coordinator went away while draining; leaving");
      self->quit(caf::exit_reason::user_shutdown);
      return;
    }
    say(self, "fovea worker " + self->state.options.info.id
                + ": lost the coordinator (" + caf::to_string(msg.reason)
                + "), joining again");
    join(self);
  });
  join(self);
  return {
    [self](classify_atom, std::vector<image_task>& tasks)
      -> caf::result<batch_answer> { return classify(self, std::move(tasks)); },
    [self](drain_atom) { drain(self); },
  };
}

} // namespace fovea
