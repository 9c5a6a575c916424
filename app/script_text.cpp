#include "app/script_text.hpp"

#include <cstdlib>
#include <ctime>

#include "app/shell_driver.hpp"

namespace fovea {

std::optional<std::chrono::milliseconds> parse_duration(const std::string& s) {
  char* end = nullptr;
  auto value = std::strtod(s.c_str(), &end);
  std::string unit = end;
  if (end == s.c_str() || value < 0)
    return std::nullopt;
  double ms = unit == "ms"  ? value
              : unit == "s" ? value * 1000
              : unit == "m" ? value * 60000
                            : -1;
  if (ms < 0)
    return std::nullopt;
  return std::chrono::milliseconds(static_cast<long long>(ms));
}

std::optional<double> parse_number(const std::string& s) {
  char* end = nullptr;
  auto value = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0')
    return std::nullopt;
  return value;
}

std::string timestamp() {
  auto now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof(text), "%Y%m%d-%H%M%S", std::localtime(&now));
  return text;
}

std::optional<std::string>
substitute(const std::string& text,
           const std::map<std::string, std::string>& values,
           std::string& unknown) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 2, "${") != 0) {
      out += text[i];
      continue;
    }
    auto end = text.find('}', i);
    auto name = text.substr(i + 2, end - i - 2);
    auto value = values.find(name);
    if (end == std::string::npos || value == values.end()) {
      unknown = name;
      return std::nullopt;
    }
    out += value->second;
    i = end;
  }
  return out;
}

std::vector<std::vector<std::string>>
expand_lines(const std::vector<std::pair<int, std::string>>& lines,
             const std::map<std::string, std::string>& given) {
  std::vector<std::vector<std::string>> result;
  auto values = given;
  for (auto& [line_number, raw] : lines) {
    std::string unknown;
    auto w = split_words(substitute(raw, values, unknown).value_or(raw));
    if (w[0] == "set" && w.size() == 3)
      values.emplace(w[1], w[2]);
    result.push_back(std::move(w));
  }
  return result;
}

} // namespace fovea
