// The model.ini key table (see manifest_keys.hpp for what is derived from
// it). Keep the example in docs/models.md in step: a test compares them.
#include "vision/manifest_keys.hpp"

#include <chrono>
#include <optional>

#include <caf/timespan.hpp>

#include "messages/model_label.hpp"

namespace fovea {

namespace {

using value = caf::config_value;

std::optional<double> number_of(const value& v) {
  if (auto d = caf::get_if<double>(&v))
    return *d;
  if (auto i = caf::get_if<int64_t>(&v))
    return static_cast<double>(*i);
  return std::nullopt;
}

// A number or a list of numbers, as floats; empty if the value is neither.
std::vector<float> floats_of(const value& v) {
  std::vector<float> result;
  auto add = [&](const value& x) {
    auto n = number_of(x);
    if (n)
      result.push_back(static_cast<float>(*n));
    return n.has_value();
  };
  if (auto list = caf::get_if<value::list>(&v)) {
    for (auto& x : *list)
      if (!add(x))
        return {};
  } else if (!add(v)) {
    return {};
  }
  return result;
}

std::string read_text(const value& v, std::string& out) {
  auto s = caf::get_if<std::string>(&v);
  if (!s)
    return "must be a quoted string";
  out = *s;
  return {};
}

std::string read_size(const value& v, int& out) {
  auto n = caf::get_if<int64_t>(&v);
  if (!n || *n <= 0 || *n > 65536)
    return "must be a positive integer";
  out = static_cast<int>(*n);
  return {};
}

std::string read_floats(const value& v, std::vector<float>& out) {
  out = floats_of(v);
  return out.empty() ? "needs one number per channel" : "";
}

std::string read_duration(const value& v, caf::timespan max, const char* why,
                          caf::timespan& out) {
  auto span = caf::get_if<caf::timespan>(&v);
  if (!span || span->count() < 0 || *span > max)
    return why;
  out = *span;
  return {};
}

const char* cpu_flags_problem
  = "must be a list of /proc/cpuinfo flags, like [\"avx512_vnni\"]";

} // namespace

const std::vector<manifest_key>& manifest_keys() {
  using m = model_manifest;
  static const std::vector<manifest_key> table{
    // [model]: what the model is and what it expects as input
    {"model", "name", true,
     "what --model names: 1-64 letters, digits, '.', '_' or '-'",
     [](const value& v, m& out) {
       if (auto problem = read_text(v, out.name); !problem.empty())
         return problem;
       return valid_model_name(out.name)
                ? std::string{}
                : "must be 1-64 letters, digits, '.', '_' or '-', starting "
                  "with a letter or digit";
     }},
    {"model", "version", true,
     "a whole number from 1, written \"2\": jobs naming none take the largest "
     "served",
     [](const value& v, m& out) {
       if (auto problem = read_text(v, out.version); !problem.empty())
         return problem;
       return parse_model_version(out.version)
                ? std::string{}
                : "must be a whole number from 1, written \"2\", not \"v2\" "
                  "or \"02\" (jobs take the largest version served when "
                  "they name none)";
     }},
    {"model", "width", true, "the input's width in pixels",
     [](const value& v, m& out) { return read_size(v, out.width); }},
    {"model", "height", true, "the input's height in pixels",
     [](const value& v, m& out) { return read_size(v, out.height); }},
    {"model", "channels", true, "1 (grayscale) or 3 (RGB)",
     [](const value& v, m& out) {
       if (auto problem = read_size(v, out.channels); !problem.empty())
         return problem;
       return out.channels == 1 || out.channels == 3
                ? std::string{}
                : "must be 1 (grayscale) or 3 (RGB)";
     }},
    {"model", "mean", true,
     "per channel (or one for all), subtracted after scaling pixels to [0, 1]",
     [](const value& v, m& out) { return read_floats(v, out.mean); }},
    {"model", "std", true, "per channel (or one for all), all positive",
     [](const value& v, m& out) {
       if (auto problem = read_floats(v, out.std); !problem.empty())
         return problem;
       for (auto s : out.std)
         if (s <= 0)
           return std::string{"must be positive"};
       return std::string{};
     }},
    {"model", "resize", false,
     "\"stretch\" (default) or \"shorter-side\" with resize-to, then a "
     "centre crop",
     [](const value& v, m& out) {
       std::string mode;
       if (auto problem = read_text(v, mode); !problem.empty())
         return problem;
       if (mode == "stretch")
         out.resize = resize_mode::stretch;
       else if (mode == "shorter-side")
         out.resize = resize_mode::shorter_side;
       else
         return "has an unknown mode '" + mode
                + "' (known: stretch, shorter-side)";
       return std::string{};
     }},
    {"model", "resize-to", false,
     "shorter-side only: the shorter side's length before the centre crop",
     [](const value& v, m& out) { return read_size(v, out.resize_to); }},
    {"model", "sha256", false, "model.pt must have this SHA-256 (hex)",
     [](const value& v, m& out) {
       if (auto problem = read_text(v, out.sha256); !problem.empty())
         return problem;
       auto hex = out.sha256.size() == 64
                  && out.sha256.find_first_not_of("0123456789abcdef")
                       == std::string::npos;
       return hex ? std::string{} : "must be 64 lower-case hex digits";
     }},
    // [batching]: as Triton's dynamic batcher
    {"batching", "max-batch-size", false,
     "most images in one forward pass (default 64)",
     [](const value& v, m& out) {
       auto n = caf::get_if<int64_t>(&v);
       if (!n || *n < 1)
         return std::string{"must be a positive integer"};
       out.batching.max_batch_size = static_cast<size_t>(*n);
       return std::string{};
     }},
    {"batching", "preferred-batch-sizes", false,
     "sizes run at once when that many are queued",
     [](const value& v, m& out) {
       auto& sizes = out.batching.preferred_batch_sizes;
       sizes.clear();
       auto add = [&](const value& x) {
         auto i = caf::get_if<int64_t>(&x);
         if (i && *i >= 1)
           sizes.push_back(static_cast<size_t>(*i));
         return i && *i >= 1;
       };
       bool ok = true;
       if (auto list = caf::get_if<value::list>(&v))
         for (auto& x : *list)
           ok = ok && add(x);
       else
         ok = add(v);
       return ok ? std::string{} : "must be a list of positive integers";
     }},
    {"batching", "max-queue-delay", false,
     "how long an idle worker waits for more images (default 1ms)",
     [](const value& v, m& out) {
       auto span = caf::get_if<caf::timespan>(&v);
       if (!span)
         return std::string{"must be a duration (500us, 2ms)"};
       out.batching.max_queue_delay
         = std::chrono::duration_cast<std::chrono::microseconds>(*span);
       return std::string{};
     }},
    // [inference]: how a worker prepares the graph
    {"inference", "optimize", false,
     "serve freeze + optimize_for_inference if it agrees on the probe set "
     "(default true)",
     [](const value& v, m& out) {
       auto b = caf::get_if<bool>(&v);
       if (!b)
         return std::string{"must be true or false"};
       out.graph.optimize = *b;
       return std::string{};
     }},
    {"inference", "tolerance", false,
     "largest probability difference the two graphs may have (default 1e-4)",
     [](const value& v, m& out) {
       auto n = number_of(v);
       if (!n || !(*n >= 0.0 && *n < 1.0))
         return std::string{"must be a number from 0 to 1 (a probability)"};
       out.graph.tolerance = static_cast<float>(*n);
       return std::string{};
     }},
    {"inference", "warm-up-budget", false,
     "warm-up at load starts no new batch size after this (default 10s)",
     [](const value& v, m& out) {
       caf::timespan span{0};
       auto problem = read_duration(
         v, std::chrono::minutes(10),
         "must be a duration from 0 to 10min (500ms, 20s)", span);
       if (problem.empty())
         out.graph.warm_up_budget
           = std::chrono::duration_cast<std::chrono::milliseconds>(span);
       return problem;
     }},
    {"inference", "quantized-engine", false,
     "an int8 model's LibTorch engine: onednn or qnnpack",
     [](const value& v, m& out) {
       auto s = caf::get_if<std::string>(&v);
       if (!s || (*s != "onednn" && *s != "qnnpack"))
         return std::string{"must be \"onednn\" or \"qnnpack\""};
       out.graph.quantized_engine = *s;
       return std::string{};
     }},
    {"inference", "cpu-flags", false,
     "/proc/cpuinfo flags the model needs; a CPU without them refuses it",
     [](const value& v, m& out) {
       auto list = caf::get_if<value::list>(&v);
       if (!list)
         return std::string{cpu_flags_problem};
       out.graph.cpu_flags.clear();
       for (auto& x : *list) {
         auto flag = caf::get_if<std::string>(&x);
         if (!flag || flag->empty()
             || flag->find_first_not_of(
                  "abcdefghijklmnopqrstuvwxyz0123456789_")
                  != std::string::npos)
           return std::string{cpu_flags_problem};
         out.graph.cpu_flags.push_back(*flag);
       }
       return std::string{};
     }},
  };
  return table;
}

const manifest_key* find_manifest_key(std::string_view section,
                                      std::string_view key) {
  for (auto& entry : manifest_keys())
    if (entry.section == section && entry.key == key)
      return &entry;
  return nullptr;
}

std::string manifest_section_keys(std::string_view section) {
  std::string keys;
  for (auto& entry : manifest_keys())
    if (entry.section == section)
      keys.append(keys.empty() ? "" : ", ").append(entry.key);
  return keys;
}

std::string describe_manifest_keys() {
  std::string text = "model.ini: a model folder's description (see "
                     "docs/models.md)\n";
  std::string_view section;
  for (auto& entry : manifest_keys()) {
    if (entry.section != section) {
      section = entry.section;
      text.append("\n[").append(section).append("]\n");
    }
    text.append("  ").append(entry.key);
    text.append(entry.key.size() < 22 ? 22 - entry.key.size() : 1, ' ');
    text.append(entry.help);
    if (entry.required)
      text.append(" (required)");
    text += '\n';
  }
  return text;
}

} // namespace fovea
