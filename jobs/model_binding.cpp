#include "jobs/model_binding.hpp"

#include <algorithm>
#include <set>

namespace fovea {

model_choice choose_model(const model_request& request,
                          const std::vector<model_id>& served) {
  model_choice out;
  auto name = request.name;
  auto wanted = [&](const model_id& m) {
    return (request.digest.empty() || m.digest == request.digest) &&
           (!request.version || m.version == *request.version);
  };
  if (name.empty() && !request.digest.empty()) {
    for (auto& m : served)
      if (wanted(m))
        name = m.name;
  } else if (name.empty()) {
    std::set<std::string> names;
    for (auto& m : served)
      names.insert(m.name);
    if (names.empty()) {
      out.why = "no worker serves a model yet";
      return out;
    }
    if (names.size() > 1) {
      out.what = model_choice::outcome::refused;
      out.why = "this cluster serves several models (";
      for (auto& n : names)
        out.why += (n == *names.begin() ? "" : ", ") + n;
      out.why += "): choose one with --model NAME[@VERSION]";
      return out;
    }
    name = *names.begin();
  }
  const model_id* best = nullptr;
  for (auto& m : served)
    if (m.name == name && wanted(m) && (!best || m.version > best->version))
      best = &m;
  if (!best) {
    out.why = "no worker serves " + request.text() + " now";
    return out;
  }
  out.what = model_choice::outcome::bound;
  out.model = *best;
  return out;
}

std::string resume_conflict(const std::string& journaled,
                            const std::string& request) {
  auto had = parse_model_label(journaled);
  auto asked = parse_model_request(request);
  if (!had || !asked || asked->name.empty())
    return {};
  if (asked->name == had->name
      && (!asked->version || *asked->version == had->version))
    return {};
  return "its rows came from " + journaled + ", not --model " + request;
}

std::optional<model_id>
conflicting_model(const model_id& candidate,
                  const std::vector<model_id>& registered) {
  for (auto& m : registered)
    if (m.name == candidate.name && m.version == candidate.version &&
        m.digest != candidate.digest)
      return m;
  return std::nullopt;
}

} // namespace fovea
