// The types actors of one process send each other and that never cross the
// network: a worker's decoders' work, its model runner's wake-up and its
// reference reads' completion. They
// have a type-ID block of their own, after the network's (messages/), so
// the contract between nodes holds only what nodes exchange.
#pragma once

#include <caf/type_id.hpp>

#include "messages/type_ids.hpp"
#include "vision/decoded_batch.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(fovea_local, caf::id_block::fovea::end)

  CAF_ADD_ATOM(fovea_local, fovea, decode_atom, "decode")
  CAF_ADD_ATOM(fovea_local, fovea, flush_atom, "flush")
  CAF_ADD_ATOM(fovea_local, fovea, fetched_atom, "fetched")

  CAF_ADD_TYPE_ID(fovea_local, (fovea::decoded_batch))

CAF_END_TYPE_ID_BLOCK(fovea_local)

namespace fovea {

/// Registers the network's types (register_types) and these.
void register_all_types(caf::actor_system_config& cfg);

} // namespace fovea
