// One call that teaches an actor system fovea's vocabulary.
#pragma once

#include <caf/fwd.hpp>

namespace fovea {

/// Adds fovea's type-ID block and error category to `cfg`. Every node and
/// every test fixture calls this before creating its actor system.
void register_types(caf::actor_system_config& cfg);

} // namespace fovea
