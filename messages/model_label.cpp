#include "messages/model_label.hpp"

#include <algorithm>

namespace fovea {

bool valid_model_name(std::string_view name) {
  if (name.empty() || name.size() > 64)
    return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9');
  };
  if (!alnum(name.front()))
    return false;
  return std::all_of(name.begin(), name.end(), [&](char c) {
    return alnum(c) || c == '.' || c == '_' || c == '-';
  });
}

std::optional<uint32_t> parse_model_version(std::string_view text) {
  constexpr uint32_t largest = 1'000'000'000;
  if (text.empty() || text.size() > 10 || text.front() == '0')
    return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value > largest)
    return std::nullopt;
  return static_cast<uint32_t>(value);
}

std::optional<model_request> parse_model_request(std::string_view text) {
  model_request out;
  if (text.empty())
    return out;
  auto at = text.find('@');
  auto name = text.substr(0, at);
  if (!valid_model_name(name))
    return std::nullopt;
  out.name = std::string{name};
  if (at != std::string_view::npos) {
    out.version = parse_model_version(text.substr(at + 1));
    if (!out.version)
      return std::nullopt;
  }
  return out;
}

std::optional<model_id> parse_model_label(std::string_view label,
                                          std::string digest) {
  auto request = parse_model_request(label);
  if (!request || request->name.empty() || !request->version)
    return std::nullopt;
  return model_id{request->name, *request->version, std::move(digest)};
}

} // namespace fovea
