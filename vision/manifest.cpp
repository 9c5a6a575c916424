#include "vision/manifest.hpp"

#include <set>

#include <caf/actor_system_config.hpp>
#include <caf/settings.hpp>

#include "messages/errors.hpp"

namespace fovea {

namespace {

const std::set<std::string> known_keys = {
  "name", "version", "width", "height", "channels", "mean", "std", "resize",
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
  if (resize != "stretch")
    return fail("model.resize: unknown mode '" + resize + "' (known: stretch)");
  if (caf::get_if(section, "sha256")) {
    if (text("sha256", m.sha256))
      return fail("model.sha256 must be a quoted string");
    if (m.sha256.size() != 64
        || m.sha256.find_first_not_of("0123456789abcdef") != std::string::npos)
      return fail("model.sha256 must be 64 lower-case hex digits");
  }
  return m;
}

} // namespace fovea
