#include "app/settings_schema.hpp"

#include <algorithm>
#include <type_traits>

#include "app/fovea_config.hpp"
#include "jobs/job_flags.hpp"

namespace fovea {

const setting* find_setting(std::string_view key) {
  if (key.substr(0, 6) == "fovea.")
    key.remove_prefix(6);
  auto& table = settings_schema();
  auto found = std::find_if(table.begin(), table.end(), [&](auto& s) {
    return s.key == key;
  });
  return found == table.end() ? nullptr : &*found;
}

namespace {

std::string duration_text(caf::timespan d) {
  using namespace std::chrono;
  auto ns = d.count();
  if (ns == 0)
    return "0s";
  struct unit {
    int64_t size;
    const char* name;
  };
  for (auto [size, name] :
       {unit{3600'000'000'000, "h"}, unit{60'000'000'000, "min"},
        unit{1'000'000'000, "s"}, unit{1'000'000, "ms"}, unit{1'000, "us"}})
    if (ns % size == 0)
      return std::to_string(ns / size) + name;
  return std::to_string(ns) + "ns";
}

// As a number for the bounds check; durations in nanoseconds.
template <class T>
int64_t as_number(const T& value) {
  if constexpr (std::is_same_v<T, caf::timespan>)
    return value.count();
  else if constexpr (std::is_same_v<T, uint64_t>)
    return static_cast<int64_t>(
      std::min<uint64_t>(value, std::numeric_limits<int64_t>::max()));
  else
    return static_cast<int64_t>(value);
}

std::string bound_text(const setting& s, int64_t bound) {
  if (std::holds_alternative<caf::timespan fovea_config::*>(s.member))
    return duration_text(caf::timespan{bound});
  return std::to_string(bound);
}

} // namespace

std::string value_text(const setting& s, const fovea_config& cfg) {
  return std::visit(
    [&](auto member) -> std::string {
      auto& value = cfg.*member;
      using T = std::decay_t<decltype(value)>;
      if constexpr (std::is_same_v<T, std::string>)
        return "\"" + value + "\"";
      else if constexpr (std::is_same_v<T, bool>)
        return value ? "true" : "false";
      else if constexpr (std::is_same_v<T, caf::timespan>)
        return duration_text(value);
      else if constexpr (std::is_same_v<T, std::vector<uint32_t>>) {
        std::string text = "[";
        for (auto n : value)
          text += (text.size() > 1 ? ", " : "") + std::to_string(n);
        return text + "]";
      } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
        std::string text = "[";
        for (auto& item : value)
          text += (text.size() > 1 ? ", \"" : "\"") + item + "\"";
        return text + "]";
      } else
        return std::to_string(value);
    },
    s.member);
}

std::string type_text(const setting& s) {
  return std::visit(
    [](auto member) -> std::string {
      using T = std::decay_t<decltype(std::declval<fovea_config>().*member)>;
      if constexpr (std::is_same_v<T, std::string>)
        return "text, in quotes";
      else if constexpr (std::is_same_v<T, bool>)
        return "true or false";
      else if constexpr (std::is_same_v<T, caf::timespan>)
        return "a duration: 500ms, 30s, 10min, 2h";
      else if constexpr (std::is_same_v<T, std::vector<uint32_t>>)
        return "a list of whole numbers: [32, 64]";
      else if constexpr (std::is_same_v<T, std::vector<std::string>>)
        return "a list of texts: [\"a\", \"b\"]";
      else
        return "a whole number";
    },
    s.member);
}

std::string bounds_problem(const setting& s, const fovea_config& cfg) {
  auto name = "fovea." + std::string{s.key};
  return std::visit(
    [&](auto member) -> std::string {
      auto& value = cfg.*member;
      using T = std::decay_t<decltype(value)>;
      if constexpr (std::is_same_v<T, std::string>) {
        if (s.choices.empty() || value.empty()
            || std::find(s.choices.begin(), s.choices.end(), value)
                 != s.choices.end())
          return {};
        std::string list;
        for (size_t i = 0; i < s.choices.size(); ++i)
          list += (i == 0 ? "" : i + 1 == s.choices.size() ? " or " : ", ")
                  + ("\"" + std::string{s.choices[i]} + "\"");
        return name + " must be " + list + " (it is \"" + value + "\")";
      } else if constexpr (std::is_same_v<T, bool>
                           || std::is_same_v<T, std::vector<uint32_t>>
                           || std::is_same_v<T, std::vector<std::string>>) {
        return {};
      } else {
        auto n = as_number(value);
        if (n >= s.min && n <= s.max)
          return {};
        auto it_is = " (it is " + value_text(s, cfg) + ")";
        if constexpr (std::is_same_v<T, caf::timespan>)
          if (s.min == 1 && s.max == std::numeric_limits<int64_t>::max())
            return name + " must be more than 0" + it_is;
        if (s.max == std::numeric_limits<int64_t>::max())
          return name + " must be at least " + bound_text(s, s.min) + it_is;
        return name + " must be from " + bound_text(s, s.min) + " to "
               + bound_text(s, s.max) + it_is;
      }
    },
    s.member);
}

std::string describe_setting(const setting& s) {
  fovea_config defaults;
  std::string text = "fovea." + std::string{s.key} + " = "
                     + value_text(s, defaults) + " (the default)\n"
                     + wrap_help(s.help, "  ") + "  takes " + type_text(s)
                     + "\n";
  auto unbounded_min = std::numeric_limits<int64_t>::min();
  auto unbounded_max = std::numeric_limits<int64_t>::max();
  auto numeric = !std::holds_alternative<std::string fovea_config::*>(s.member)
                 && !std::holds_alternative<bool fovea_config::*>(s.member);
  if (numeric && (s.min != unbounded_min || s.max != unbounded_max)) {
    text += "  ";
    auto duration
      = std::holds_alternative<caf::timespan fovea_config::*>(s.member);
    if (duration && s.min == 1 && s.max == unbounded_max)
      text += "more than 0";
    else if (s.max == unbounded_max)
      text += "at least " + bound_text(s, s.min);
    else
      text += "from " + bound_text(s, s.min) + " to " + bound_text(s, s.max);
    text += "\n";
  }
  if (!s.choices.empty()) {
    text += "  one of:";
    for (auto choice : s.choices)
      text += " " + std::string{choice};
    text += "\n";
  }
  text += wrap_help("feeds the " + std::string{s.subsystem}
                      + "; set it under [fovea] in a config file, or on the "
                        "command line as --fovea."
                      + std::string{s.key} + "=VALUE",
                    "  ");
  return text;
}

std::string nearest_setting(std::string_view key) {
  if (key.substr(0, 6) == "fovea.")
    key.remove_prefix(6);
  // Levenshtein distance, one row at a time.
  auto distance = [](std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
      row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
      size_t diagonal = row[0];
      row[0] = i;
      for (size_t j = 1; j <= b.size(); ++j) {
        auto above = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                           diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
        diagonal = above;
      }
    }
    return row[b.size()];
  };
  std::string best;
  size_t best_distance = 4;
  for (auto& s : settings_schema())
    if (auto d = distance(key, s.key); d < best_distance) {
      best = "fovea." + std::string{s.key};
      best_distance = d;
    }
  return best;
}

} // namespace fovea
