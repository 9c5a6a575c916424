// The text of a `fovea run` script: durations, numbers, ${NAME}
// variables, and the lines as they will run.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace fovea {

/// "500ms", "2s", "1m" -> duration; nothing if malformed.
std::optional<std::chrono::milliseconds> parse_duration(const std::string& s);

/// A whole number or decimal; nothing if anything else is in `s`.
std::optional<double> parse_number(const std::string& s);

/// Replaces each ${NAME} in `text`; an unknown name is an error (nothing,
/// and `unknown` names it).
std::optional<std::string>
substitute(const std::string& text,
           const std::map<std::string, std::string>& values,
           std::string& unknown);

/// Every line's words with variables replaced as the run will see them:
/// `given` (--set) first, then each `set NAME VALUE` from its line on.
std::vector<std::vector<std::string>>
expand_lines(const std::vector<std::pair<int, std::string>>& lines,
             const std::map<std::string, std::string>& given);

/// Now as 20261125-143002, for a run's folder.
std::string timestamp();

} // namespace fovea
