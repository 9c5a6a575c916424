// Every atom and message type fovea sends, in one CAF type-ID block.
//
// Every node and every test fixture registers this block (register_types),
// so the IDs and names agree on both ends of a connection. Atoms are verbs of
// at most 10 characters.
#pragma once

#include <cstdint>
#include <vector>

#include <caf/type_id.hpp>

#include "messages/batch_answer.hpp"
#include "messages/cluster_view.hpp"
#include "messages/credit.hpp"
#include "messages/image_task.hpp"
#include "messages/job_spec.hpp"
#include "messages/online.hpp"
#include "messages/prediction.hpp"
#include "messages/worker_info.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(fovea, caf::first_custom_type_id)

  CAF_ADD_ATOM(fovea, fovea, register_atom, "register")
  CAF_ADD_ATOM(fovea, fovea, submit_atom, "submit")
  CAF_ADD_ATOM(fovea, fovea, enqueue_atom, "enqueue")
  CAF_ADD_ATOM(fovea, fovea, classify_atom, "classify")
  CAF_ADD_ATOM(fovea, fovea, result_atom, "result")
  CAF_ADD_ATOM(fovea, fovea, failed_atom, "failed")
  CAF_ADD_ATOM(fovea, fovea, drain_atom, "drain")
  CAF_ADD_ATOM(fovea, fovea, nodes_atom, "nodes")
  CAF_ADD_ATOM(fovea, fovea, jobs_atom, "jobs")
  CAF_ADD_ATOM(fovea, fovea, cancel_atom, "cancel")
  CAF_ADD_ATOM(fovea, fovea, wait_atom, "wait")
  CAF_ADD_ATOM(fovea, fovea, ping_atom, "ping")
  CAF_ADD_ATOM(fovea, fovea, command_atom, "command")
  CAF_ADD_ATOM(fovea, fovea, commit_atom, "committed")
  CAF_ADD_ATOM(fovea, fovea, credit_atom, "credit")
  CAF_ADD_ATOM(fovea, fovea, infer_atom, "infer")
  CAF_ADD_ATOM(fovea, fovea, models_atom, "models")
  CAF_ADD_ATOM(fovea, fovea, abandon_atom, "abandon")
  CAF_ADD_ATOM(fovea, fovea, events_atom, "events")
  CAF_ADD_ATOM(fovea, fovea, queue_atom, "queue")
  // Its name carries protocol_version (messages/protocol.hpp): a node reads
  // it from the interface a coordinator publishes, whatever else changed.
  CAF_ADD_ATOM(fovea, fovea, protocol_atom, "protocol12")

  CAF_ADD_TYPE_ID(fovea, (fovea::image_task))
  CAF_ADD_TYPE_ID(fovea, (fovea::prediction))
  CAF_ADD_TYPE_ID(fovea, (fovea::worker_info))
  CAF_ADD_TYPE_ID(fovea, (fovea::job_spec))
  CAF_ADD_TYPE_ID(fovea, (fovea::node_row))
  CAF_ADD_TYPE_ID(fovea, (fovea::job_row))
  CAF_ADD_TYPE_ID(fovea, (fovea::job_credit))
  CAF_ADD_TYPE_ID(fovea, (fovea::batch_answer))
  CAF_ADD_TYPE_ID(fovea, (fovea::online_request))
  CAF_ADD_TYPE_ID(fovea, (fovea::served_model))
  CAF_ADD_TYPE_ID(fovea, (fovea::cluster_event))
  CAF_ADD_TYPE_ID(fovea, (fovea::queue_view))
  // Batches travel as vectors, which need IDs of their own on the wire.
  CAF_ADD_TYPE_ID(fovea, (std::vector<fovea::image_task>))
  CAF_ADD_TYPE_ID(fovea, (std::vector<fovea::prediction>))
  CAF_ADD_TYPE_ID(fovea, (std::vector<fovea::node_row>))
  CAF_ADD_TYPE_ID(fovea, (std::vector<fovea::job_row>))
  CAF_ADD_TYPE_ID(fovea, (std::vector<fovea::served_model>))
  CAF_ADD_TYPE_ID(fovea, (std::vector<fovea::cluster_event>))

CAF_END_TYPE_ID_BLOCK(fovea)
