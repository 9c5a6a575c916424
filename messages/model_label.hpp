// model_label: how nodes name a model. A worker serves one "NAME@VERSION"
// (from its model.ini) identified by its model.pt's SHA-256; a job asks for
// "NAME", "NAME@VERSION" or nothing (jobs/model_binding.hpp chooses).
//
// A name is 1 to 64 letters, digits, '.', '_' or '-', starting with a
// letter or digit; a version is a whole number from 1 to 10^9 without sign
// or leading zeros, so that "newest" means the largest.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fovea {

/// A model as the cluster knows it.
struct model_id {
  std::string name;
  uint32_t version = 0;
  std::string digest; ///< SHA-256 of its model.pt, 64 hex digits
  std::string label() const { return name + "@" + std::to_string(version); }
  /// What the scheduler matches jobs and workers by.
  std::string key() const { return label() + " " + digest; }
  friend bool operator==(const model_id&, const model_id&) = default;
};

/// What a job asks for: a name (empty: whichever the cluster serves),
/// maybe a version, and for a job resumed from its journal, the exact
/// model.pt it began with.
struct model_request {
  std::string name;
  std::optional<uint32_t> version;
  std::string digest; ///< SHA-256; empty: any of that name and version
  std::string text() const {
    if (!digest.empty())
      return "the model its journal began with (model.pt " +
             digest.substr(0, 12) + "...)";
    return name.empty() ? std::string{"any model"}
           : version    ? name + "@" + std::to_string(*version)
                        : name;
  }
};

/// True if `name` may name a model: 1 to 64 letters, digits, '.', '_' or
/// '-', starting with a letter or digit.
bool valid_model_name(std::string_view name);

/// A version is a whole number from 1 to 10^9, written without sign or
/// leading zeros; nullopt otherwise.
std::optional<uint32_t> parse_model_version(std::string_view text);

/// Reads "", "NAME" or "NAME@VERSION"; nullopt if it is none of these.
std::optional<model_request> parse_model_request(std::string_view text);

/// Reads a worker's "NAME@VERSION" (a version is required).
std::optional<model_id> parse_model_label(std::string_view label,
                                          std::string digest = {});

} // namespace fovea
