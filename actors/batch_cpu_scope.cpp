#include "actors/batch_cpu_scope.hpp"

#include <pthread.h>
#include <sched.h>

namespace fovea {

batch_cpu_scope::batch_cpu_scope() noexcept {
  // Only from the default policy: a thread an administrator put under
  // another (SCHED_IDLE, a real-time one, or batch already) keeps it.
  int policy = 0;
  sched_param param{};
  if (pthread_getschedparam(pthread_self(), &policy, &param) != 0
      || policy != SCHED_OTHER)
    return;
  sched_param none{};
  set_ = pthread_setschedparam(pthread_self(), SCHED_BATCH, &none) == 0;
}

batch_cpu_scope::~batch_cpu_scope() {
  if (!set_)
    return;
  sched_param none{};
  pthread_setschedparam(pthread_self(), SCHED_OTHER, &none);
}

} // namespace fovea
