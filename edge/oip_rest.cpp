#include "edge/oip_rest.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include <nlohmann/json.hpp>

#include "messages/errors.hpp"

namespace fovea {

namespace {

using json = nlohmann::json;

constexpr int max_depth = 16;
constexpr const char* image_input = oip_image_input;
constexpr const char* pixel_input = oip_pixel_input;
constexpr const char* output_name = oip_output;

caf::error bad(const std::string& why) {
  return make_error(errc::invalid_request, why);
}

// The deepest nesting of arrays and objects in `text`, outside strings:
// checked before parsing, so no request makes the parser or a value's
// destructor go deep.
int nesting(std::string_view text) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

// Standard base64 (with padding), strictly: anything else is refused.
bool from_base64(const std::string& text, std::vector<uint8_t>& out) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z')
      return c - 'A';
    if (c >= 'a' && c <= 'z')
      return c - 'a' + 26;
    if (c >= '0' && c <= '9')
      return c - '0' + 52;
    if (c == '+')
      return 62;
    if (c == '/')
      return 63;
    return -1;
  };
  if (text.size() % 4 != 0)
    return false;
  out.clear();
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = text[i + static_cast<size_t>(k)];
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        v[k] = 0;
        ++pad;
      } else if (pad > 0 || (v[k] = value(c)) < 0) {
        return false;
      }
    }
    uint32_t n = (static_cast<uint32_t>(v[0]) << 18) |
                 (static_cast<uint32_t>(v[1]) << 12) |
                 (static_cast<uint32_t>(v[2]) << 6) |
                 static_cast<uint32_t>(v[3]);
    out.push_back(static_cast<uint8_t>(n >> 16));
    if (pad < 2)
      out.push_back(static_cast<uint8_t>(n >> 8));
    if (pad < 1)
      out.push_back(static_cast<uint8_t>(n));
  }
  return true;
}

// The binary tensor data that follows the JSON part, taken in order.
struct binary_sections {
  std::string_view rest;

  bool take(uint64_t size, std::string_view& section) {
    if (size > rest.size())
      return false;
    section = rest.substr(0, size);
    rest.remove_prefix(size);
    return true;
  }
};

// A tensor's shape: unsigned integers, each at most `bound` (so their
// product cannot overflow for the few dimensions a model has).
caf::expected<std::vector<uint64_t>> shape_of(const json& input,
                                              uint64_t bound) {
  auto found = input.find("shape");
  if (found == input.end() || !found->is_array() || found->empty()
      || found->size() > 4)
    return bad("inputs[0].shape: an array of 1 to 4 dimensions is required");
  std::vector<uint64_t> dims;
  for (auto& d : *found) {
    if (!d.is_number_unsigned() || d.get<uint64_t>() > bound)
      return bad("inputs[0].shape: each dimension is a whole number of at "
                 "most " + std::to_string(bound));
    dims.push_back(d.get<uint64_t>());
  }
  return dims;
}

// The parameter `name` of `object` if it has one, else null.
const json* parameter(const json& object, const char* name) {
  auto params = object.find("parameters");
  if (params == object.end() || !params->is_object())
    return nullptr;
  auto found = params->find(name);
  return found == params->end() ? nullptr : &*found;
}

caf::expected<std::string_view> binary_of(const json& input,
                                          binary_sections& binary) {
  auto size = parameter(input, "binary_data_size");
  if (!size->is_number_unsigned())
    return bad("inputs[0].parameters.binary_data_size: a whole number of "
               "bytes is required");
  std::string_view section;
  if (!binary.take(size->get<uint64_t>(), section))
    return bad("inputs[0].parameters.binary_data_size: "
               + std::to_string(size->get<uint64_t>())
               + " bytes, but fewer follow the JSON part");
  return section;
}

caf::error read_images(const json& input, binary_sections& binary,
                       const oip_limits& limits, oip_infer_request& out) {
  auto dims = shape_of(input, limits.max_batch);
  if (!dims)
    return dims.error();
  if (dims->front() == 0 || (dims->size() == 2 && (*dims)[1] != 1)
      || dims->size() > 2)
    return bad("inputs[0].shape: \"image\" is [N] (or [N, 1]) with N from 1 "
               "to " + std::to_string(limits.max_batch));
  out.batch = dims->front();
  out.images.resize(out.batch);
  if (parameter(input, "binary_data_size")) {
    auto section = binary_of(input, binary);
    if (!section)
      return section.error();
    return read_length_prefixed(*section, limits.max_image_bytes,
                                "inputs[0]", out.images);
  }
  auto data = input.find("data");
  if (data == input.end() || !data->is_array()
      || data->size() != out.batch)
    return bad("inputs[0].data: " + std::to_string(out.batch)
               + " base64 strings are required (or binary tensor data)");
  for (size_t i = 0; i < out.batch; ++i) {
    auto& element = (*data)[i];
    if (!element.is_string()
        || element.get_ref<const std::string&>().size() / 4 * 3
             > limits.max_image_bytes + 3
        || !from_base64(element.get_ref<const std::string&>(), out.images[i]))
      return bad("inputs[0].data[" + std::to_string(i)
                 + "]: not an image in base64 of at most "
                 + std::to_string(limits.max_image_bytes) + " bytes");
  }
  return caf::none;
}

// Flattens `data` (nested arrays of numbers) into `out`, at most `want`.
bool flatten(const json& data, size_t want, std::vector<float>& out) {
  if (data.is_number()) {
    auto value = data.get<float>();
    if (out.size() >= want || !std::isfinite(value))
      return false;
    out.push_back(value);
    return true;
  }
  if (!data.is_array())
    return false;
  for (auto& element : data)
    if (!flatten(element, want, out))
      return false;
  return true;
}

caf::error read_pixels(const json& input, binary_sections& binary,
                       const oip_model_info& model, const oip_limits& limits,
                       size_t body_bytes, oip_infer_request& out) {
  auto dims = shape_of(input, std::max<uint64_t>(limits.max_batch, 1u << 16));
  if (!dims)
    return dims.error();
  std::vector<uint64_t> want{0, model.channels, model.height, model.width};
  if (dims->size() != 4 || std::equal(want.begin() + 1, want.end(),
                                      dims->begin() + 1) == false
      || dims->front() == 0 || dims->front() > limits.max_batch)
    return bad("inputs[0].shape: \"input\" is [N, " + std::to_string(model.channels)
               + ", " + std::to_string(model.height) + ", "
               + std::to_string(model.width) + "] with N from 1 to "
               + std::to_string(limits.max_batch));
  out.batch = dims->front();
  size_t elements = out.batch * model.channels * model.height * model.width;
  if (parameter(input, "binary_data_size")) {
    auto section = binary_of(input, binary);
    if (!section)
      return section.error();
    if (section->size() != elements * sizeof(float))
      return bad("inputs[0]: " + std::to_string(section->size())
                 + " bytes of binary data for " + std::to_string(elements)
                 + " FP32 elements");
    out.pixels.resize(elements);
    std::memcpy(out.pixels.data(), section->data(), section->size());
    return caf::none;
  }
  auto data = input.find("data");
  // A JSON number takes two bytes at least ("0,"): what the body cannot
  // hold is not reserved, whatever the shape says.
  out.pixels.reserve(std::min(elements, body_bytes / 2));
  if (data == input.end() || !flatten(*data, elements, out.pixels)
      || out.pixels.size() != elements)
    return bad("inputs[0].data: " + std::to_string(elements)
               + " numbers are required, as its shape says");
  return caf::none;
}

// The request's own deadline, as Triton's clients set it: microseconds.
caf::error read_timeout(const json& request, oip_infer_request& out) {
  constexpr uint64_t longest_timeout_us = oip_longest_timeout_us;
  if (auto timeout = parameter(request, "timeout")) {
    if (!timeout->is_number_unsigned() || timeout->get<uint64_t>() < 1
        || timeout->get<uint64_t>() > longest_timeout_us)
      return bad("parameters.timeout: microseconds, from 1 to "
                 + std::to_string(longest_timeout_us));
    out.timeout_us = timeout->get<uint64_t>();
  }
  return caf::none;
}

caf::error read_outputs(const json& request, const oip_model_info& model,
                        oip_infer_request& out) {
  if (auto all = parameter(request, "binary_data_output")) {
    if (!all->is_boolean())
      return bad("parameters.binary_data_output: true or false");
    out.binary_output = all->get<bool>();
  }
  auto outputs = request.find("outputs");
  if (outputs == request.end())
    return caf::none;
  if (!outputs->is_array() || outputs->size() > 1)
    return bad("outputs: this model has one output, \"probabilities\"");
  for (auto& wanted : *outputs) {
    auto name = wanted.find("name");
    if (!wanted.is_object() || name == wanted.end() || *name != output_name)
      return bad("outputs[0].name: this model has one output, "
                 "\"probabilities\"");
    if (auto binary = parameter(wanted, "binary_data")) {
      if (!binary->is_boolean())
        return bad("outputs[0].parameters.binary_data: true or false");
      out.binary_output = binary->get<bool>();
    }
    if (auto k = parameter(wanted, "classification")) {
      auto classes = model.labels.size();
      if (!k->is_number_unsigned() || k->get<uint64_t>() < 1
          || k->get<uint64_t>() > classes)
        return bad("outputs[0].parameters.classification: a count from 1 to "
                   + std::to_string(classes));
      out.classification = k->get<uint32_t>();
    }
  }
  return caf::none;
}

http_answer json_answer(unsigned status, const json& body) {
  http_answer answer;
  answer.status = status;
  answer.content_type = "application/json";
  answer.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return answer;
}

} // namespace

caf::expected<oip_model_path> read_model_path(std::string_view path) {
  constexpr std::string_view root = "/v2/models/";
  if (path.substr(0, root.size()) != root)
    return bad("not a model's path");
  path.remove_prefix(root.size());
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    auto slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    path.remove_prefix(slash == std::string_view::npos ? path.size()
                                                       : slash + 1);
  }
  oip_model_path where;
  if (parts.empty() || parts.front().empty())
    return bad("no model named");
  where.name = std::string{parts.front()};
  size_t at = 1;
  if (parts.size() >= 3 && parts[1] == "versions" && !parts[2].empty()) {
    where.version = std::string{parts[2]};
    at = 3;
  }
  if (parts.size() == at + 1 && (parts[at] == "ready" || parts[at] == "infer"))
    where.action = std::string{parts[at]};
  else if (parts.size() != at)
    return bad("no such path under /v2/models/" + where.name);
  return where;
}

caf::expected<oip_infer_request>
read_infer_request(const std::string& body, const std::string& json_length,
                   const oip_model_info& model, const oip_limits& limits) {
  size_t length = body.size();
  if (!json_length.empty()) {
    auto [end, ec] = std::from_chars(
        json_length.data(), json_length.data() + json_length.size(), length);
    if (ec != std::errc{} || end != json_length.data() + json_length.size()
        || length > body.size())
      return bad("Inference-Header-Content-Length: " + json_length.substr(0, 20)
                 + " is not a length within the body's "
                 + std::to_string(body.size()) + " bytes");
  }
  std::string_view text{body.data(), length};
  if (nesting(text) > max_depth)
    return bad("the JSON part nests deeper than " + std::to_string(max_depth));
  auto request = json::parse(text, nullptr, false);
  if (request.is_discarded() || !request.is_object())
    return bad("the body is not a JSON object");
  oip_infer_request out;
  if (auto id = request.find("id"); id != request.end()) {
    if (!id->is_string()
        || id->get_ref<const std::string&>().size() > oip_longest_id)
      return bad("id: a string of at most " + std::to_string(oip_longest_id)
                 + " characters");
    out.id = id->get<std::string>();
  }
  auto inputs = request.find("inputs");
  if (inputs == request.end() || !inputs->is_array() || inputs->size() != 1
      || !(*inputs)[0].is_object())
    return bad("inputs: one input is required, \"image\" (BYTES) or "
               "\"input\" (FP32)");
  auto& input = (*inputs)[0];
  auto name = input.find("name");
  auto type = input.find("datatype");
  binary_sections binary{std::string_view{body}.substr(length)};
  caf::error err;
  if (name != input.end() && *name == image_input) {
    if (type == input.end() || *type != "BYTES")
      return bad("inputs[0].datatype: \"image\" is BYTES");
    err = read_images(input, binary, limits, out);
  } else if (name != input.end() && *name == pixel_input) {
    if (type == input.end() || *type != "FP32")
      return bad("inputs[0].datatype: \"input\" is FP32");
    err = read_pixels(input, binary, model, limits, body.size(), out);
  } else {
    return bad("inputs[0].name: this model takes \"image\" (BYTES) or "
               "\"input\" (FP32)");
  }
  if (err)
    return err;
  if (!binary.rest.empty())
    return bad(std::to_string(binary.rest.size())
               + " bytes follow the JSON part that no input claims");
  if (auto problem = read_outputs(request, model, out))
    return problem;
  if (auto problem = read_timeout(request, out))
    return problem;
  return out;
}

http_answer
write_infer_answer(const oip_infer_request& request,
                   const oip_model_info& model,
                   const std::vector<std::vector<float>>& probabilities) {
  json output;
  output["name"] = output_name;
  std::string binary;
  auto classes = model.labels.size();
  if (request.classification > 0) {
    auto strings = oip_classification(probabilities, request.classification,
                                      model.labels);
    output["datatype"] = "BYTES";
    output["shape"] = {probabilities.size(), request.classification};
    if (request.binary_output) {
      for (auto& s : strings) {
        auto n = static_cast<uint32_t>(s.size());
        binary.append(reinterpret_cast<const char*>(&n), 4);
        binary += s;
      }
    } else {
      output["data"] = strings;
    }
  } else {
    output["datatype"] = "FP32";
    output["shape"] = {probabilities.size(), classes};
    if (request.binary_output) {
      for (auto& row : probabilities)
        binary.append(reinterpret_cast<const char*>(row.data()),
                      row.size() * sizeof(float));
    } else {
      auto data = json::array();
      for (auto& row : probabilities)
        for (auto p : row)
          data.push_back(p);
      output["data"] = std::move(data);
    }
  }
  if (request.binary_output)
    output["parameters"]["binary_data_size"] = binary.size();
  json body;
  body["model_name"] = model.name;
  body["model_version"] = model.version;
  if (!request.id.empty())
    body["id"] = request.id;
  body["outputs"] = json::array({std::move(output)});
  auto answer = json_answer(200, body);
  if (request.binary_output) {
    answer.headers.emplace_back("Inference-Header-Content-Length",
                                std::to_string(answer.body.size()));
    answer.content_type = "application/octet-stream";
    answer.body += binary;
  }
  return answer;
}

http_answer oip_error(unsigned status, const std::string& message) {
  return json_answer(status, json{{"error", message}});
}

http_answer oip_server_metadata(const std::string& version) {
  return json_answer(200, json{{"name", "fovea"},
                               {"version", version},
                               {"extensions",
                                {"binary_tensor_data", "classification"}}});
}

http_answer oip_model_metadata(const oip_model_info& model) {
  json inputs = json::array();
  inputs.push_back(
      {{"name", image_input}, {"datatype", "BYTES"}, {"shape", {-1}}});
  inputs.push_back({{"name", pixel_input},
                    {"datatype", "FP32"},
                    {"shape", {-1, model.channels, model.height, model.width}}});
  json outputs = json::array();
  outputs.push_back({{"name", output_name},
                     {"datatype", "FP32"},
                     {"shape", {-1, static_cast<int64_t>(model.labels.size())}}});
  return json_answer(200, json{{"name", model.name},
                               {"versions", {model.version}},
                               {"platform", "pytorch_torchscript"},
                               {"inputs", std::move(inputs)},
                               {"outputs", std::move(outputs)}});
}

http_answer oip_ready(const std::string& key, bool ready,
                      const std::string& name) {
  json body{{key, ready}};
  if (!name.empty())
    body["name"] = name;
  return json_answer(ready ? 200 : 503, body);
}

} // namespace fovea
