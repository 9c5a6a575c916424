// The version of fovea's protocol between nodes.
//
// Nodes of different versions refuse each other with a message naming both
// versions: registration and submit carry it, and the coordinator's
// published interface names it (the atom of its `protocol` request is
// "protocolN"), so a node can tell the version of a coordinator whose
// messages it cannot read at all. Bump it whenever a message changes.
#pragma once

#include <cstdint>

namespace fovea {

/// 1: the first wave (no version field); 2: worker_info and job_spec carry
/// the version, worker_info the model's class count; 3: worker_info carries
/// its model's SHA-256, job_spec the fingerprint of its files, job_row the
/// job's share of the workers, and a client says when it committed; 4:
/// job_spec names its model and top-k, job_row the model the job runs on
/// and why it waits, prediction its model and ranked classes, image_task
/// its top-k; 5: clients send within the byte credit their coordinator
/// grants (credit_atom both ways, job_credit), and a job_row names its
/// owner; 6: a worker answers a batch with a batch_answer, which says how
/// starved or queued it was; 7: an image_task may be a reference
/// (shared file, S3 object, HTTPS URL) that the worker reads; 8: a
/// prediction says which version of its referenced object it was read
/// from, an image_task which version a resumed job's row was, and a worker
/// may answer that it is unchanged; worker_info gives its model's input
/// geometry and class names (for the inference protocol's metadata); 9: the
/// coordinator answers inference requests of its own process (infer,
/// abandon) and lists the models served (models), and an image_task may
/// carry preprocessed pixels instead of an encoded image; 10: a node_row
/// says how many of a worker's results a second are inference requests'; 11:
/// the coordinator lists its recent events (events, cluster_event); 12: and
/// its queue against its limits (queue, queue_view).
constexpr uint32_t protocol_version = 12;

} // namespace fovea
