#include "edge/grpc_runtime.hpp"

#include <absl/synchronization/mutex.h>

namespace fovea {

void tune_grpc_runtime() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

} // namespace fovea
