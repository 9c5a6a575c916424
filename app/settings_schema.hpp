// settings_schema: every fovea.* key, declared once.
//
// An entry names the key, the member of fovea_config that holds it (its
// initializer is the default; where a subsystem has an options struct, the
// member takes that struct's default, so the two cannot drift), the
// subsystem it feeds, its help line and its bounds. From this table, and
// nowhere else, come:
//   - the options CAF parses, from a config file or `--fovea.KEY=VALUE`
//     (fovea_config's constructor);
//   - the check of each value against its bounds, and of each key in a
//     config file (unknown keys and wrong types with FILE:LINE);
//   - `fovea help KEY`, `fovea help settings`, and the suggestion for a
//     mistyped key;
//   - the test that holds docs/configuration.md to it.
// Relations between keys (hang-timeout at least task-timeout, ...) are
// fovea_config::check_relations's.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <caf/timespan.hpp>

namespace fovea {

class fovea_config;

/// The member of fovea_config a setting lives in.
using setting_member
  = std::variant<std::string fovea_config::*, bool fovea_config::*,
                 uint16_t fovea_config::*, int32_t fovea_config::*,
                 uint32_t fovea_config::*, uint64_t fovea_config::*,
                 caf::timespan fovea_config::*,
                 std::vector<uint32_t> fovea_config::*,
                 std::vector<std::string> fovea_config::*>;

struct setting {
  std::string_view key;       ///< after "fovea."
  std::string_view subsystem; ///< node, worker, coordinator, edge, http
  std::string_view help;      ///< one line, for `fovea help KEY`
  setting_member member;
  /// Numbers: the allowed range, inclusive. Durations: min 1 means
  /// "more than 0".
  int64_t min = std::numeric_limits<int64_t>::min();
  int64_t max = std::numeric_limits<int64_t>::max();
  /// Text: the allowed values, if only some are (an empty value is left
  /// to the command that needs one).
  std::vector<std::string_view> choices = {};
};

/// Every fovea.* key, grouped by subsystem.
const std::vector<setting>& settings_schema();

/// The setting named `key` ("slots" or "fovea.slots"); null if there is
/// none.
const setting* find_setting(std::string_view key);

/// Why `cfg`'s value of `s` is out of bounds ("fovea.slots must be from 1
/// to 256 (it is 0)"), or "".
std::string bounds_problem(const setting& s, const fovea_config& cfg);

/// The value of `s` in `cfg`, as a config file would say it.
std::string value_text(const setting& s, const fovea_config& cfg);

/// What kind of value `s` takes, for people ("a duration: 500ms, 30s").
std::string type_text(const setting& s);

/// What `fovea help KEY` prints: key, type, default, bounds, help.
std::string describe_setting(const setting& s);

/// The known key nearest to a mistyped one (at most 3 edits), or "".
std::string nearest_setting(std::string_view key);

} // namespace fovea
