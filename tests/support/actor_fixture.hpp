// An actor system with fovea's types registered, for tests that run actors
// in-process. CAF_MAIN does not run in tests, so this does its part.
#pragma once

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/local_types.hpp"

namespace fovea::test {

struct test_config : caf::actor_system_config {
  test_config() {
    load<caf::io::middleman>();
    register_all_types(*this);
    // One spare thread: inference actors block theirs for a batch.
    set("scheduler.max-threads", size_t{4});
  }
};

struct actor_fixture {
  test_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
};

} // namespace fovea::test
