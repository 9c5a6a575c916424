#include "actors/local_types.hpp"

#include <caf/actor_system_config.hpp>

#include "messages/register_types.hpp"

namespace fovea {

void register_all_types(caf::actor_system_config& cfg) {
  register_types(cfg);
  cfg.add_message_types<caf::id_block::fovea_local>();
}

} // namespace fovea
