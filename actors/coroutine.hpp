// Straight-line actor code: C++20 coroutines that co_await CAF requests.
//
//   actor_flow join(worker_actor::pointer self, coordinator_actor c) {
//     auto reply = ask<uint64_t>(self, c, 10s, register_atom_v, info);
//     caf::expected<uint64_t> id = co_await reply;   // never blocks a thread
//     ...
//   }
//
// Guarantees:
// - a flow runs only on its actor's thread: it starts inside a handler and
//   each co_await resumes from the response (or error) handler CAF installs
//   with request(...).then(ok, err), so actor state needs no locks;
// - every request has a timeout (cancelled when the answer comes), except
//   ask_linked's to an actor linked to the asker, whose death ends the asker
//   too; every failure (timeout, error reply, receiver down) arrives as a
//   caf::error in the caf::expected: a failed request never quits the
//   actor, unlike then() without an error handler;
// - if the actor terminates while a flow waits, CAF discards the handlers
//   and the flow's frame is destroyed with them: nothing leaks, and the flow
//   simply never resumes.
//
// GCC 12 destroys a braced temporary with a non-trivial destructor twice when
// it appears inside a co_await operand. Bind awaitables and their arguments
// to named locals (as above) instead of writing `co_await ask(..., T{...})`.
#pragma once

#include <coroutine>
#include <exception>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include <caf/actor_clock.hpp>
#include <caf/behavior.hpp>
#include <caf/duration.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/message_id.hpp>
#include <caf/message_priority.hpp>
#include <caf/timespan.hpp>

namespace fovea {

/// The return type of a coroutine that runs inside an event-based actor.
/// It starts at once and owns itself: its frame goes away when it returns.
struct actor_flow {
  struct promise_type {
    actor_flow get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    // An exception escaping a flow is a bug in fovea: stop loudly rather than
    // leave a job silently half done.
    void unhandled_exception() noexcept { std::terminate(); }
  };
};

namespace detail {

// Shared by a request's two handlers: resumes the waiting flow once, from
// whichever handler runs; if neither ever runs (CAF destroys them when the
// actor terminates), destroys the suspended frame instead.
class resume_once {
public:
  explicit resume_once(std::coroutine_handle<> flow) : flow_(flow) {}
  resume_once(const resume_once&) = delete;
  resume_once& operator=(const resume_once&) = delete;

  ~resume_once() {
    if (flow_)
      flow_.destroy();
  }

  void resume() { std::exchange(flow_, nullptr).resume(); }

private:
  std::coroutine_handle<> flow_;
};

} // namespace detail

/// Awaits the response to one request. The result is caf::expected<T> for a
/// single response value, or caf::expected<std::tuple<Ts...>> for several.
template <class Self, class Dest, class Args, class... Ts>
class request_awaiter {
public:
  using value_type =
    std::conditional_t<sizeof...(Ts) == 1,
                       std::tuple_element_t<0, std::tuple<Ts...>>,
                       std::tuple<Ts...>>;

  /// An invalid `timeout` (caf::infinite) sets none.
  request_awaiter(Self* self, Dest dest, caf::duration timeout, Args args)
    : self_(self),
      dest_(std::move(dest)),
      timeout_(timeout),
      args_(std::move(args)) {
  }

  bool await_ready() const noexcept { return false; }

  void await_suspend(std::coroutine_handle<> flow) {
    auto once = std::make_shared<detail::resume_once>(flow);
    std::apply(
      [&](auto&... xs) {
        auto handle = self_->request(dest_, timeout_, std::move(xs)...);
        auto id = handle.id();
        auto on_value = [this, once, id](Ts&... xs) {
          forget_timeout(id);
          if constexpr (sizeof...(Ts) == 1)
            result_.emplace(std::move(xs)...);
          else
            result_.emplace(std::make_tuple(std::move(xs)...));
          once->resume();
        };
        auto on_error = [this, once, id](caf::error& err) {
          forget_timeout(id);
          result_.emplace(std::move(err));
          once->resume();
        };
        handle.then(std::move(on_value), std::move(on_error));
      },
      args_);
  }

  caf::expected<value_type> await_resume() { return std::move(*result_); }

private:
  // CAF 0.17 keeps a request's timeout in the actor clock until it fires,
  // answered or not (holding a reference to the actor): an actor making
  // thousands of requests with long timeouts would grow by one entry each.
  void forget_timeout(caf::message_id id) {
    if (timeout_.valid())
      self_->clock().cancel_request_timeout(self_, id);
  }

  Self* self_;
  Dest dest_;
  caf::duration timeout_;
  Args args_; ///< the request's content, sent when the flow suspends
  std::optional<caf::expected<value_type>> result_;
};

/// Sends a request when awaited and resumes the flow with its outcome.
/// `Ts...` are the response's types, as the receiver's interface declares.
template <class... Ts, class Self, class Dest, class... Args>
auto ask(Self* self, const Dest& dest, caf::timespan timeout, Args&&... args) {
  using args_tuple = std::tuple<std::decay_t<Args>...>;
  return request_awaiter<Self, Dest, args_tuple, Ts...>{
    self, dest, caf::duration{timeout}, args_tuple{std::forward<Args>(args)...}};
}

/// ask without a timeout, for the stages of one pipeline: `dest` is linked
/// to `self`, so if it dies, so does `self` (and a request to a dead actor
/// is answered with an error at once). Each timeout costs two trips through
/// the actor clock's thread (set, then cancel), which on a saturated machine
/// wakes that thread twice per request: measured as context switches that
/// preempt forward passes.
template <class... Ts, class Self, class Dest, class... Args>
auto ask_linked(Self* self, const Dest& dest, Args&&... args) {
  using args_tuple = std::tuple<std::decay_t<Args>...>;
  return request_awaiter<Self, Dest, args_tuple, Ts...>{
    self, dest, caf::duration{caf::infinite},
    args_tuple{std::forward<Args>(args)...}};
}

/// Resumes the flow after `delay` (a backoff between retries, say), using
/// the same actor-clock timeout a request uses: no message to handle, no
/// thread blocked.
template <class Self>
class delay_awaiter {
public:
  delay_awaiter(Self* self, caf::timespan delay) : self_(self), delay_(delay) {}

  bool await_ready() const noexcept { return delay_.count() <= 0; }

  void await_suspend(std::coroutine_handle<> flow) {
    auto once = std::make_shared<detail::resume_once>(flow);
    auto id = self_->new_request_id(caf::message_priority::normal)
                .response_id();
    self_->add_multiplexed_response_handler(
      id, caf::behavior{[once](caf::error&) { once->resume(); }});
    self_->clock().set_request_timeout(self_->clock().now() + delay_, self_,
                                       id);
  }

  void await_resume() const noexcept {}

private:
  Self* self_;
  caf::timespan delay_;
};

template <class Self>
delay_awaiter<Self> after(Self* self, caf::timespan delay) {
  return {self, delay};
}

/// Resumes a flow when its actor's own handlers say so: a flow co_awaits
/// wait() (bound to a named local), a handler calls notify(). One flow
/// waits at a time; a notify() with none waiting does nothing. Kept in the
/// actor's state: if the actor ends while a flow waits, the flow's frame is
/// destroyed with it and never resumes.
class flow_signal {
public:
  class awaiter {
  public:
    explicit awaiter(flow_signal* signal) : signal_(signal) {}
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> flow) {
      signal_->waiting_ = std::make_shared<detail::resume_once>(flow);
    }
    void await_resume() const noexcept {}

  private:
    flow_signal* signal_;
  };

  awaiter wait() { return awaiter{this}; }

  void notify() {
    if (auto waiting = std::exchange(waiting_, nullptr))
      waiting->resume();
  }

private:
  std::shared_ptr<detail::resume_once> waiting_;
};

} // namespace fovea
