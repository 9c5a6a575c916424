// oip_serving: what the Open Inference Protocol's transports (REST in
// app/oip_routes.hpp, gRPC in app/oip_grpc_service.hpp) share between a
// request read from the wire and the coordinator's gateway: which served
// model a request names, the online request it becomes, and the rows it
// gets back as probabilities.
//
// Guarantees: both transports pick the same model version for the same
// name, give a request the same deadline (its own if shorter than the
// server's), and turn a row a worker could not classify into the same
// error (bad_image, naming its batch element).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "edge/oip_model.hpp"
#include "messages/online.hpp"
#include "messages/prediction.hpp"

namespace fovea {

/// The served model NAME@`version`, or with `version` empty NAME's newest
/// version that a worker takes work for; null if not served.
const served_model* find_served_model(const std::vector<served_model>& models,
                                      const std::string& name,
                                      const std::string& version);

/// "NAME" or "NAME@VERSION", for messages.
std::string model_text(const std::string& name, const std::string& version);

/// `model` as the protocol describes it (labels "0".."K-1" if its workers
/// named none).
oip_model_info info_of(const served_model& model);

/// The coordinator's request for `request` (its images or pixels are moved
/// out): deadline the shorter of the request's own and `server_timeout`.
online_request online_request_of(oip_infer_request& request,
                                 const served_model& model,
                                 const oip_model_info& info,
                                 std::string principal,
                                 std::chrono::milliseconds server_timeout);

/// Why a request of deadline `deadline_ms` failed, for its client.
std::string failure_text(const caf::error& err, uint32_t deadline_ms);

/// The rows' probabilities, one per class in class order; bad_image naming
/// the first batch element a worker could not classify.
caf::expected<std::vector<std::vector<float>>>
probabilities_of(const std::vector<prediction>& rows, size_t classes);

} // namespace fovea
