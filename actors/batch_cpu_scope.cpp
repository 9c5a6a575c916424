#include "actors/batch_cpu_scope.hpp"

#include <pthread.h>
#include <sched.h>

namespace fovea {

batch_cpu_scope::batch_cpu_scope() noexcept {
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
