// The coroutine adapter: a flow co_awaits a request and resumes with the
// value, the error, or the timeout, and never outlives its actor.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>

#include <caf/event_based_actor.hpp>

#include "actors/coroutine.hpp"
#include "messages/errors.hpp"
#include "tests/support/actor_fixture.hpp"

using namespace fovea;
using namespace std::chrono_literals;

namespace {

// Multiplies numbers by `factor`, refuses delete requests, and never
// answers put requests. (Test actors always take an argument: CAF 0.17
// dereferences a null argument tuple when spawning a function without any,
// which UBSan reports.)
caf::behavior server(caf::event_based_actor*, int factor) {
  return {
    [factor](caf::get_atom, int x) { return x * factor; },
    [](caf::delete_atom) -> caf::result<int> {
      return make_error(errc::invalid_request, "refused");
    },
    [](caf::put_atom) -> caf::result<int> { return caf::delegated<int>{}; },
  };
}

// Reports a flow's outcome to the test: the value, or the error.
void report(caf::event_based_actor* self, const caf::actor& observer,
            caf::expected<int>& outcome) {
  if (outcome)
    self->send(observer, *outcome);
  else
    self->send(observer, outcome.error());
}

actor_flow double_twice(caf::event_based_actor* self, caf::actor srv,
                        caf::actor observer) {
  auto first = ask<int>(self, srv, 1s, caf::get_atom::value, 21);
  auto once = co_await first;
  REQUIRE(once);
  auto second = ask<int>(self, srv, 1s, caf::get_atom::value, *once);
  auto twice = co_await second;
  report(self, observer, twice);
}

actor_flow ask_refused(caf::event_based_actor* self, caf::actor srv,
                       caf::actor observer) {
  auto request = ask<int>(self, srv, 1s, caf::delete_atom::value);
  auto outcome = co_await request;
  report(self, observer, outcome);
}

actor_flow ask_unanswered(caf::event_based_actor* self, caf::actor srv,
                          caf::actor observer, caf::timespan timeout) {
  auto request = ask<int>(self, srv, timeout, caf::put_atom::value);
  auto outcome = co_await request;
  report(self, observer, outcome);
}

// Counts its own destruction: proves a flow's frame was freed.
struct frame_sentinel {
  std::atomic<int>* destroyed;
  ~frame_sentinel() { ++*destroyed; }
};

actor_flow wait_forever(caf::event_based_actor* self, caf::actor srv,
                        std::atomic<int>* destroyed) {
  frame_sentinel sentinel{destroyed};
  auto request = ask<int>(self, srv, 1h, caf::put_atom::value);
  auto outcome = co_await request;
  FAIL("a flow of a dead actor must never resume");
}

actor_flow pause_then_report(caf::event_based_actor* self,
                             caf::actor observer, caf::timespan delay) {
  auto started = std::chrono::steady_clock::now();
  auto pause = after(self, delay);
  co_await pause;
  auto waited = std::chrono::steady_clock::now() - started;
  self->send(observer, static_cast<int>(
                         std::chrono::duration_cast<std::chrono::milliseconds>(
                           waited)
                           .count()));
}

// An actor that starts `flow(self, xs...)` and then stays alive for it.
template <class Flow, class... Ts>
caf::actor start(caf::actor_system& sys, Flow flow, Ts... xs) {
  auto body = [](caf::event_based_actor* self, Flow f,
                 Ts... args) -> caf::behavior {
    f(self, args...);
    return {[](caf::ok_atom) {}};
  };
  return sys.spawn(body, flow, xs...);
}

} // namespace

TEST_CASE_METHOD(test::actor_fixture,
                 "a flow awaits responses in order and gets their values",
                 "[unit]") {
  auto srv = sys.spawn(server, 2);
  start(sys, double_twice, srv, caf::actor{self});
  self->receive([](int value) { CHECK(value == 84); },
                [](caf::error& err) { FAIL(caf::to_string(err)); },
                caf::after(10s) >> [] { FAIL("no outcome"); });
}

TEST_CASE_METHOD(test::actor_fixture,
                 "an error reply reaches the flow as a caf::error", "[unit]") {
  auto srv = sys.spawn(server, 2);
  start(sys, ask_refused, srv, caf::actor{self});
  self->receive([](int) { FAIL("expected an error"); },
                [](caf::error& err) {
                  CHECK(err.category() == error_category);
                  CHECK(describe(err) == "invalid request: refused");
                },
                caf::after(10s) >> [] { FAIL("no outcome"); });
}

TEST_CASE_METHOD(test::actor_fixture,
                 "a request that times out resumes the flow with "
                 "request_timeout, and the actor lives on",
                 "[unit]") {
  auto srv = sys.spawn(server, 2);
  auto asker = start(sys, ask_unanswered, srv, caf::actor{self},
                     caf::timespan{50ms});
  self->receive([](int) { FAIL("expected a timeout"); },
                [](caf::error& err) {
                  CHECK(err == caf::sec::request_timeout);
                },
                caf::after(10s) >> [] { FAIL("no outcome"); });
  // Unlike then() without an error handler, the timeout did not quit it.
  self->request(asker, 1s, caf::ok_atom::value)
    .receive([] { SUCCEED("still alive"); },
             [](caf::error& err) { FAIL(caf::to_string(err)); });
}

TEST_CASE_METHOD(test::actor_fixture,
                 "a flow waiting when its actor dies is destroyed, not leaked",
                 "[unit]") {
  std::atomic<int> destroyed{0};
  auto srv = sys.spawn(server, 2);
  auto asker = start(sys, wait_forever, srv, &destroyed);
  // The flow has sent its request once the server has seen it; a round trip
  // to the asker after spawning orders us behind its initialization.
  self->request(asker, 1s, caf::ok_atom::value)
    .receive([] {}, [](caf::error& err) { FAIL(caf::to_string(err)); });
  CHECK(destroyed == 0);
  self->monitor(asker);
  self->send_exit(asker, caf::exit_reason::user_shutdown);
  self->receive([](caf::down_msg&) {});
  CHECK(destroyed == 1);
}

TEST_CASE_METHOD(test::actor_fixture,
                 "after() resumes a flow once its delay has passed",
                 "[unit]") {
  start(sys, pause_then_report, caf::actor{self}, caf::timespan{60ms});
  self->receive([](int waited_ms) { CHECK(waited_ms >= 60); },
                caf::after(10s) >> [] { FAIL("the flow never resumed"); });
}
