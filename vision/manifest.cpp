#include "vision/manifest.hpp"

#include <set>

#include <caf/actor_system_config.hpp>
#include <caf/settings.hpp>

#include "messages/errors.hpp"
#include "messages/model_label.hpp"

namespace fovea {

namespace {

const std::set<std::string> known_keys = {
  "name", "version", "width", "height", "channels", "mean", "std", "resize", "resize-to",
  "sha256",
};

// A number or a list of numbers, as floats; empty if the value is neither.
std::vector<float> floats_of(const caf::config_value& value) {
  std::vector<float> result;
  auto add = [&](const caf::config_value& x) {
    if (auto d = caf::get_if<double>(&x))
      result.push_back(static_cast<float>(*d));
    else if (auto i = caf::get_if<int64_t>(&x))
      result.push_back(static_cast<float>(*i));
    else
      return false;
    return true;
  };
  if (auto list = caf::get_if<caf::config_value::list>(&value)) {
    for (auto& x : *list)
      if (!add(x))
        return {};
  } else if (!add(value)) {
    return {};
  }
  return result;
}

// model.ini's optional [batching] section; the problem, starting with the
// key, or an empty string.
std::string read_batching(const caf::settings& section, batching_policy& out) {
  for (auto& [key, value] : section) {
    if (key == "max-batch-size") {
      auto v = caf::get_if<int64_t>(&value);
      if (!v || *v < 1)
        return key + " must be a positive integer";
      out.max_batch_size = static_cast<size_t>(*v);
    } else if (key == "preferred-batch-sizes") {
      auto& sizes = out.preferred_batch_sizes;
      sizes.clear();
      auto add = [&](const caf::config_value& x) {
        auto i = caf::get_if<int64_t>(&x);
        if (i && *i >= 1)
          sizes.push_back(static_cast<size_t>(*i));
        return i && *i >= 1;
      };
      bool ok = true;
      if (auto list = caf::get_if<caf::config_value::list>(&value))
        for (auto& x : *list)
          ok = ok && add(x);
      else
        ok = add(value);
      if (!ok)
        return key + " must be a list of positive integers";
    } else if (key == "max-queue-delay") {
      auto v = caf::get_if<caf::timespan>(&value);
      if (!v)
        return key + " must be a duration (500us, 2ms)";
      out.max_queue_delay
        = std::chrono::duration_cast<std::chrono::microseconds>(*v);
    } else {
      return key + ": unknown key (known: max-batch-size, "
                   "preferred-batch-sizes, max-queue-delay)";
    }
  }
  return out.check();
}

// model.ini's optional [inference] section; the problem, starting with the
// key, or an empty string.
std::string read_inference(const caf::settings& section, graph_policy& out) {
  for (auto& [key, value] : section) {
    if (key == "optimize") {
      auto v = caf::get_if<bool>(&value);
      if (!v)
        return key + " must be true or false";
      out.optimize = *v;
    } else if (key == "tolerance") {
      double v = -1;
      if (auto d = caf::get_if<double>(&value))
        v = *d;
      else if (auto i = caf::get_if<int64_t>(&value))
        v = static_cast<double>(*i);
      if (!(v >= 0.0 && v < 1.0))
        return key + " must be a number from 0 to 1 (a probability)";
      out.tolerance = static_cast<float>(v);
    } else if (key == "warm-up-budget") {
      auto v = caf::get_if<caf::timespan>(&value);
      if (!v || v->count() < 0 || *v > std::chrono::minutes(10))
        return key + " must be a duration from 0 to 10min (500ms, 20s)";
      out.warm_up_budget
        = std::chrono::duration_cast<std::chrono::milliseconds>(*v);
    } else if (key == "quantized-engine") {
      auto v = caf::get_if<std::string>(&value);
      if (!v || (*v != "onednn" && *v != "qnnpack"))
        return key + " must be \"onednn\" or \"qnnpack\"";
      out.quantized_engine = *v;
    } else if (key == "cpu-flags") {
      auto list = caf::get_if<caf::config_value::list>(&value);
      out.cpu_flags.clear();
      for (size_t i = 0; list && i < list->size(); ++i) {
        auto flag = caf::get_if<std::string>(&(*list)[i]);
        if (!flag || flag->empty()
            || flag->find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_")
                 != std::string::npos)
          return key + " must be a list of /proc/cpuinfo flags, like "
                       "[\"avx512_vnni\"]";
        out.cpu_flags.push_back(*flag);
      }
      if (!list)
        return key + " must be a list of /proc/cpuinfo flags, like "
                     "[\"avx512_vnni\"]";
    } else {
      return key + ": unknown key (known: optimize, tolerance, "
                   "warm-up-budget, quantized-engine, cpu-flags)";
    }
  }
  return {};
}

} // namespace

caf::expected<model_manifest> load_manifest(const std::filesystem::path& dir) {
  auto file = dir / "model.ini";
  auto where = file.string();
  auto fail = [&](const std::string& what) {
    return make_error(errc::bad_model, where + ": " + what);
  };
  if (!std::filesystem::is_regular_file(file))
    return fail("not found (a model directory needs model.ini, model.pt and "
                "labels.txt)");
  auto parsed = caf::actor_system_config::parse_config_file(where.c_str());
  if (!parsed)
    return fail("cannot parse: " + caf::to_string(parsed.error()));
  auto model_section = caf::get_if<caf::settings>(&*parsed, "model");
  if (!model_section)
    return fail("missing section [model]");
  const caf::settings* section = &*model_section;
  for (auto& [key, value] : *section)
    if (known_keys.count(key) == 0)
      return fail("unknown key model." + key);
  model_manifest m;
  auto text = [&](const char* key, std::string& out) -> caf::error {
    if (auto s = caf::get_if<std::string>(section, key)) {
      out = *s;
      return caf::none;
    }
    return fail(std::string{"model."} + key + " must be a quoted string");
  };
  auto positive = [&](const char* key, int& out) -> caf::error {
    auto v = caf::get_if<int64_t>(section, key);
    if (!v || *v <= 0 || *v > 65536)
      return fail(std::string{"model."} + key + " must be a positive integer");
    out = static_cast<int>(*v);
    return caf::none;
  };
  if (auto err = text("name", m.name))
    return err;
  if (auto err = text("version", m.version))
    return err;
  if (!valid_model_name(m.name))
    return fail("model.name must be 1-64 letters, digits, '.', '_' or '-', "
                "starting with a letter or digit");
  if (!parse_model_version(m.version))
    return fail("model.version must be a whole number from 1, written "
                "\"2\", not \"v2\" or \"02\" (jobs take the largest "
                "version served when they name none)");
  for (auto [key, out] : {std::pair{"width", &m.width},
                          std::pair{"height", &m.height},
                          std::pair{"channels", &m.channels}})
    if (auto err = positive(key, *out))
      return err;
  if (m.channels != 1 && m.channels != 3)
    return fail("model.channels must be 1 (grayscale) or 3 (RGB)");
  for (auto [key, out] : {std::pair{"mean", &m.mean}, std::pair{"std", &m.std}}) {
    auto value = caf::get_if(section, key);
    *out = value ? floats_of(*value) : std::vector<float>{};
    if (out->size() == 1 && m.channels == 3)
      out->resize(3, out->front());
    if (out->size() != static_cast<size_t>(m.channels))
      return fail(std::string{"model."} + key + " needs one number per channel");
  }
  for (auto s : m.std)
    if (s <= 0)
      return fail("model.std must be positive");
  std::string resize = "stretch";
  if (caf::get_if(section, "resize") && text("resize", resize))
    return fail("model.resize must be a quoted string");
  if (resize != "stretch" && resize != "shorter-side")
    return fail("model.resize: unknown mode '" + resize
                + "' (known: stretch, shorter-side)");
  bool has_resize_to = caf::get_if(section, "resize-to") != nullptr;
  if (resize == "stretch" && has_resize_to)
    return fail("model.resize-to applies only to resize = \"shorter-side\"");
  if (resize == "shorter-side") {
    m.resize = resize_mode::shorter_side;
    if (!has_resize_to)
      return fail("model.resize = \"shorter-side\" needs model.resize-to (the "
                  "shorter side's length before the centre crop)");
    if (auto err = positive("resize-to", m.resize_to))
      return err;
    if (m.resize_to < std::max(m.width, m.height) || m.resize_to > 16384)
      return fail("model.resize-to must be from max(width, height) to 16384");
  }
  if (caf::get_if(section, "sha256")) {
    if (text("sha256", m.sha256))
      return fail("model.sha256 must be a quoted string");
    if (m.sha256.size() != 64
        || m.sha256.find_first_not_of("0123456789abcdef") != std::string::npos)
      return fail("model.sha256 must be 64 lower-case hex digits");
  }
  if (auto batching = caf::get_if<caf::settings>(&*parsed, "batching"))
    if (auto problem = read_batching(*batching, m.batching); !problem.empty())
      return fail("batching." + problem);
  if (auto inference = caf::get_if<caf::settings>(&*parsed, "inference"))
    if (auto problem = read_inference(*inference, m.graph); !problem.empty())
      return fail("inference." + problem);
  return m;
}

} // namespace fovea
