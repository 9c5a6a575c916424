#include "vision/manifest.hpp"

#include <algorithm>

#include <caf/actor_system_config.hpp>
#include <caf/settings.hpp>

#include "messages/errors.hpp"
#include "vision/manifest_keys.hpp"

namespace fovea {

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
  // Each key as the table reads it; then the relations between keys.
  model_manifest m;
  for (auto& [section, keys] : *parsed) {
    auto known = manifest_section_keys(section);
    auto table = caf::get_if<caf::settings>(&keys);
    if (known.empty() || !table)
      return fail("unknown section [" + section
                  + "] (known: model, batching, inference)");
    for (auto& [key, value] : *table) {
      auto entry = find_manifest_key(section, key);
      if (!entry)
        return fail(section + "." + key + ": unknown key (known: " + known
                    + ")");
      if (auto problem = entry->read(value, m); !problem.empty())
        return fail(section + "." + key + " " + problem);
    }
  }
  for (auto& entry : manifest_keys()) {
    auto name = std::string{entry.section} + "." + std::string{entry.key};
    if (entry.required && !caf::get_if(&*parsed, name))
      return fail(name + " is missing: " + std::string{entry.help});
  }
  for (auto* values : {&m.mean, &m.std}) {
    if (values->size() == 1 && m.channels == 3)
      values->resize(3, values->front());
    if (values->size() != static_cast<size_t>(m.channels))
      return fail(std::string{values == &m.mean ? "model.mean" : "model.std"}
                  + " needs one number per channel");
  }
  bool has_resize_to = caf::get_if(&*parsed, "model.resize-to") != nullptr;
  if (m.resize == resize_mode::stretch && has_resize_to)
    return fail("model.resize-to applies only to resize = \"shorter-side\"");
  if (m.resize == resize_mode::shorter_side) {
    if (!has_resize_to)
      return fail("model.resize = \"shorter-side\" needs model.resize-to (the "
                  "shorter side's length before the centre crop)");
    if (m.resize_to < std::max(m.width, m.height) || m.resize_to > 16384)
      return fail("model.resize-to must be from max(width, height) to 16384");
  }
  if (auto problem = m.batching.check(); !problem.empty())
    return fail("batching." + problem);
  return m;
}

} // namespace fovea
