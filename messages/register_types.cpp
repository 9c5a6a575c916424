#include "messages/register_types.hpp"

#include <caf/actor_system_config.hpp>

#include "messages/errors.hpp"
#include "messages/interfaces.hpp"

namespace fovea {

void register_types(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::fovea>();
  cfg.add_error_category(error_category, [](uint8_t code, caf::atom_value,
                                           const caf::message& context) {
    return describe(caf::error{code, error_category, context});
  });
}

} // namespace fovea
