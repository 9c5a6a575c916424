// An actor system on CAF's test coordinator, for actor tests about time:
// actors run only when the test runs them (run(), one message at a time on
// the test's thread), and time moves only when the test advances it, so a
// deadline passes exactly when the test says and never because the machine
// is busy. Actors that block a thread (the inference pipeline) or need the
// middleman do not belong here; CAF's own test DSL is not used, as its
// macros clash with Catch2's.
#pragma once

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/local_types.hpp"

namespace fovea::test {

struct deterministic_config : caf::actor_system_config {
  deterministic_config() {
    register_all_types(*this);
    set("scheduler.policy", caf::atom("testing"));
  }
};

struct deterministic_fixture {
  deterministic_config cfg;
  caf::actor_system sys{cfg};
  caf::scheduler::test_coordinator& sched
    = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());

  /// Runs every actor until none has a message left (timers wait for
  /// advance()).
  void run() { sched.run(); }

  /// Moves time by `span`, fires the timers that came due, and runs.
  void advance(caf::timespan span) {
    sched.advance_time(span);
    sched.run();
  }
};

} // namespace fovea::test
