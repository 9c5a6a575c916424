#include "edge/oip_grpc.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "messages/errors.hpp"
#include "open_inference_grpc.pb.h"

namespace fovea {

namespace {

using inference::InferParameter;
using inference::ModelInferRequest;
using parameters = google::protobuf::Map<std::string, InferParameter>;

caf::error bad(const std::string& why) {
  return make_error(errc::invalid_request, why);
}

// A whole-number parameter (int64 or uint64, as clients pick), or none.
// False if it is there but is not a whole number >= 0.
bool whole_parameter(const parameters& params, const std::string& name,
                     std::optional<uint64_t>& out) {
  auto found = params.find(name);
  if (found == params.end())
    return true;
  auto& p = found->second;
  if (p.has_uint64_param()) {
    out = p.uint64_param();
    return true;
  }
  if (p.has_int64_param() && p.int64_param() >= 0) {
    out = static_cast<uint64_t>(p.int64_param());
    return true;
  }
  return false;
}

caf::expected<std::vector<uint64_t>>
shape_of(const ModelInferRequest::InferInputTensor& input, uint64_t bound) {
  if (input.shape_size() < 1 || input.shape_size() > 4)
    return bad("inputs[0].shape: an array of 1 to 4 dimensions is required");
  std::vector<uint64_t> dims;
  for (auto d : input.shape()) {
    if (d < 0 || static_cast<uint64_t>(d) > bound)
      return bad("inputs[0].shape: each dimension is a whole number of at "
                 "most " + std::to_string(bound));
    dims.push_back(static_cast<uint64_t>(d));
  }
  return dims;
}

caf::error read_images(const ModelInferRequest& request,
                       const oip_limits& limits, oip_infer_request& out) {
  auto& input = request.inputs(0);
  auto dims = shape_of(input, limits.max_batch);
  if (!dims)
    return dims.error();
  if (dims->front() == 0 || dims->size() > 2
      || (dims->size() == 2 && (*dims)[1] != 1))
    return bad("inputs[0].shape: \"image\" is [N] (or [N, 1]) with N from 1 "
               "to " + std::to_string(limits.max_batch));
  out.batch = dims->front();
  out.images.resize(out.batch);
  if (request.raw_input_contents_size() > 0)
    return read_length_prefixed(request.raw_input_contents(0),
                                limits.max_image_bytes,
                                "raw_input_contents[0]", out.images);
  auto& contents = input.contents().bytes_contents();
  if (static_cast<size_t>(contents.size()) != out.batch)
    return bad("inputs[0].contents.bytes_contents: "
               + std::to_string(out.batch)
               + " images are required, as its shape says (or "
                 "raw_input_contents)");
  for (size_t i = 0; i < out.batch; ++i) {
    auto& image = contents[static_cast<int>(i)];
    if (image.size() > limits.max_image_bytes)
      return bad("inputs[0].contents.bytes_contents[" + std::to_string(i)
                 + "]: " + std::to_string(image.size()) + " bytes, over "
                 + std::to_string(limits.max_image_bytes));
    out.images[i].assign(image.begin(), image.end());
  }
  return caf::none;
}

caf::error read_pixels(const ModelInferRequest& request,
                       const oip_model_info& model, const oip_limits& limits,
                       oip_infer_request& out) {
  auto& input = request.inputs(0);
  auto dims = shape_of(input, std::max<uint64_t>(limits.max_batch, 1u << 16));
  if (!dims)
    return dims.error();
  std::vector<uint64_t> want{0, model.channels, model.height, model.width};
  if (dims->size() != 4
      || !std::equal(want.begin() + 1, want.end(), dims->begin() + 1)
      || dims->front() == 0 || dims->front() > limits.max_batch)
    return bad("inputs[0].shape: \"input\" is [N, "
               + std::to_string(model.channels) + ", "
               + std::to_string(model.height) + ", "
               + std::to_string(model.width) + "] with N from 1 to "
               + std::to_string(limits.max_batch));
  out.batch = dims->front();
  size_t elements = out.batch * model.channels * model.height * model.width;
  if (request.raw_input_contents_size() > 0) {
    auto& raw = request.raw_input_contents(0);
    if (raw.size() != elements * sizeof(float))
      return bad("raw_input_contents[0]: " + std::to_string(raw.size())
                 + " bytes for " + std::to_string(elements)
                 + " FP32 elements");
    out.pixels.resize(elements);
    std::memcpy(out.pixels.data(), raw.data(), raw.size());
  } else {
    auto& contents = input.contents().fp32_contents();
    if (static_cast<size_t>(contents.size()) != elements)
      return bad("inputs[0].contents.fp32_contents: "
                 + std::to_string(elements)
                 + " numbers are required, as its shape says");
    out.pixels.assign(contents.begin(), contents.end());
  }
  if (!std::all_of(out.pixels.begin(), out.pixels.end(),
                   [](float v) { return std::isfinite(v); }))
    return bad("inputs[0]: FP32 elements must be finite");
  return caf::none;
}

caf::error read_outputs(const ModelInferRequest& request,
                        const oip_model_info& model, oip_infer_request& out) {
  if (request.outputs_size() > 1)
    return bad("outputs: this model has one output, \"probabilities\"");
  for (auto& wanted : request.outputs()) {
    if (wanted.name() != oip_output)
      return bad("outputs[0].name: this model has one output, "
                 "\"probabilities\"");
    std::optional<uint64_t> k;
    auto classes = model.labels.size();
    if (!whole_parameter(wanted.parameters(), "classification", k)
        || (k && (*k < 1 || *k > classes)))
      return bad("outputs[0].parameters.classification: a count from 1 to "
                 + std::to_string(classes));
    if (k)
      out.classification = static_cast<uint32_t>(*k);
  }
  return caf::none;
}

caf::error read_timeout(const ModelInferRequest& request,
                        oip_infer_request& out) {
  std::optional<uint64_t> timeout;
  if (!whole_parameter(request.parameters(), "timeout", timeout)
      || (timeout && (*timeout < 1 || *timeout > oip_longest_timeout_us)))
    return bad("parameters.timeout: microseconds, from 1 to "
               + std::to_string(oip_longest_timeout_us));
  out.timeout_us = timeout.value_or(0);
  return caf::none;
}

void add_raw_bytes(std::string& raw, const void* data, size_t size) {
  raw.append(static_cast<const char*>(data), size);
}

} // namespace

caf::expected<oip_infer_request>
read_grpc_infer_request(const ModelInferRequest& request,
                        const oip_model_info& model,
                        const oip_limits& limits) {
  oip_infer_request out;
  if (request.id().size() > oip_longest_id)
    return bad("id: a string of at most " + std::to_string(oip_longest_id)
               + " characters");
  out.id = request.id();
  if (request.inputs_size() != 1)
    return bad("inputs: one input is required, \"image\" (BYTES) or "
               "\"input\" (FP32)");
  if (request.raw_input_contents_size() > 1)
    return bad("raw_input_contents: one entry at most, for the one input");
  auto& input = request.inputs(0);
  if (request.raw_input_contents_size() == 1 && input.has_contents())
    return bad("inputs[0]: its data is in raw_input_contents or in "
               "contents, not both");
  out.binary_output = request.raw_input_contents_size() == 1;
  caf::error err;
  if (input.name() == oip_image_input) {
    if (input.datatype() != "BYTES")
      return bad("inputs[0].datatype: \"image\" is BYTES");
    err = read_images(request, limits, out);
  } else if (input.name() == oip_pixel_input) {
    if (input.datatype() != "FP32")
      return bad("inputs[0].datatype: \"input\" is FP32");
    err = read_pixels(request, model, limits, out);
  } else {
    return bad("inputs[0].name: this model takes \"image\" (BYTES) or "
               "\"input\" (FP32)");
  }
  if (err)
    return err;
  if (auto problem = read_outputs(request, model, out))
    return problem;
  if (auto problem = read_timeout(request, out))
    return problem;
  return out;
}

void write_grpc_infer_answer(
  const oip_infer_request& request, const oip_model_info& model,
  const std::vector<std::vector<float>>& probabilities,
  inference::ModelInferResponse& answer) {
  answer.set_model_name(model.name);
  answer.set_model_version(model.version);
  answer.set_id(request.id);
  auto* output = answer.add_outputs();
  output->set_name(oip_output);
  auto rows = static_cast<int64_t>(probabilities.size());
  std::string* raw
    = request.binary_output ? answer.add_raw_output_contents() : nullptr;
  if (request.classification > 0) {
    output->set_datatype("BYTES");
    output->add_shape(rows);
    output->add_shape(request.classification);
    for (auto& text : oip_classification(probabilities, request.classification,
                                         model.labels)) {
      if (raw) {
        auto n = static_cast<uint32_t>(text.size());
        add_raw_bytes(*raw, &n, 4);
        *raw += text;
      } else {
        output->mutable_contents()->add_bytes_contents(text);
      }
    }
    return;
  }
  output->set_datatype("FP32");
  output->add_shape(rows);
  output->add_shape(static_cast<int64_t>(model.labels.size()));
  for (auto& row : probabilities) {
    if (raw)
      add_raw_bytes(*raw, row.data(), row.size() * sizeof(float));
    else
      for (auto p : row)
        output->mutable_contents()->add_fp32_contents(p);
  }
}

void write_grpc_model_metadata(const oip_model_info& model,
                               inference::ModelMetadataResponse& answer) {
  answer.set_name(model.name);
  answer.add_versions(model.version);
  answer.set_platform("pytorch_torchscript");
  auto* image = answer.add_inputs();
  image->set_name(oip_image_input);
  image->set_datatype("BYTES");
  image->add_shape(-1);
  auto* pixels = answer.add_inputs();
  pixels->set_name(oip_pixel_input);
  pixels->set_datatype("FP32");
  for (int64_t d : {int64_t{-1}, int64_t{model.channels},
                    int64_t{model.height}, int64_t{model.width}})
    pixels->add_shape(d);
  auto* output = answer.add_outputs();
  output->set_name(oip_output);
  output->set_datatype("FP32");
  output->add_shape(-1);
  output->add_shape(static_cast<int64_t>(model.labels.size()));
}

int oip_grpc_message_limit(const oip_limits& limits,
                           uint64_t max_queued_bytes) {
  auto batch = limits.max_batch * (limits.max_image_bytes + 4);
  auto limit = std::min<uint64_t>(batch, max_queued_bytes) + (1u << 20);
  return static_cast<int>(std::min<uint64_t>(limit, INT_MAX));
}

} // namespace fovea
