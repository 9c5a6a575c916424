// manifest_keys: every model.ini key, declared once.
//
// An entry names the key's section and name, whether a model.ini must have
// it, its help line, and how its value is read into a model_manifest (with
// the check of that one value). From this table, and nowhere else, come:
//   - the keys load_manifest accepts: an unknown key, a key in the wrong
//     section or a missing required one is an error naming SECTION.KEY and
//     the keys that section knows;
//   - `fovea help model.ini`;
//   - the test that holds the example in docs/models.md to it.
// Relations between keys (one mean per channel, resize-to only with
// shorter-side, preferred batch sizes within the maximum) are
// load_manifest's, after every key is read.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <caf/config_value.hpp>

#include "vision/manifest.hpp"

namespace fovea {

struct manifest_key {
  std::string_view section; ///< model, batching or inference
  std::string_view key;
  bool required;
  std::string_view help; ///< one line, for `fovea help model.ini`
  /// Reads `value` into `m`: what is wrong with it ("must be a positive
  /// integer"), or "".
  std::string (*read)(const caf::config_value& value, model_manifest& m);
};

/// Every model.ini key, by section: [model], [batching], [inference].
const std::vector<manifest_key>& manifest_keys();

/// The key `key` of `section`, or null.
const manifest_key* find_manifest_key(std::string_view section,
                                      std::string_view key);

/// The keys `section` knows, comma-separated, for error messages; empty
/// for a section model.ini does not have.
std::string manifest_section_keys(std::string_view section);

/// What `fovea help model.ini` prints: each section and its keys.
std::string describe_manifest_keys();

} // namespace fovea
