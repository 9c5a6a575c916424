// batch_cpu_scope: a jobs' pass runs as SCHED_BATCH and its thread returns
// to the default policy after; a thread under a policy of its own keeps it.
#include <catch2/catch.hpp>

#include <pthread.h>
#include <sched.h>
#include <thread>

#include "actors/batch_cpu_scope.hpp"

namespace {

int policy_of_this_thread() {
  int policy = -1;
  sched_param param{};
  pthread_getschedparam(pthread_self(), &policy, &param);
  return policy;
}

} // namespace

TEST_CASE("a batch CPU scope runs its thread as SCHED_BATCH and puts back "
          "the default policy, never another",
          "[unit]") {
  int before = -1, inside = -1, after = -1;
  int idle_inside = -1, idle_after = -1;
  bool idle_set = false;
  std::thread default_thread{[&] {
    // Whatever the test runner was started under, this thread starts from
    // the default.
    sched_param none{};
    pthread_setschedparam(pthread_self(), SCHED_OTHER, &none);
    before = policy_of_this_thread();
    {
      fovea::batch_cpu_scope scope;
      inside = policy_of_this_thread();
    }
    after = policy_of_this_thread();
  }};
  default_thread.join();
  CHECK(before == SCHED_OTHER);
  CHECK(inside == SCHED_BATCH);
  CHECK(after == SCHED_OTHER);
  // An administrator's SCHED_IDLE (any user may choose it) stays.
  std::thread idle_thread{[&] {
    sched_param none{};
    idle_set = pthread_setschedparam(pthread_self(), SCHED_IDLE, &none) == 0;
    {
      fovea::batch_cpu_scope scope;
      idle_inside = policy_of_this_thread();
    }
    idle_after = policy_of_this_thread();
  }};
  idle_thread.join();
  REQUIRE(idle_set);
  CHECK(idle_inside == SCHED_IDLE);
  CHECK(idle_after == SCHED_IDLE);
}
