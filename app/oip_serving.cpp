#include "app/oip_serving.hpp"

#include <algorithm>

#include "messages/errors.hpp"

namespace fovea {

namespace {

// A version's number for ordering; versions that are not numbers order
// first, so a numbered one is preferred.
unsigned long version_number(const std::string& version) {
  unsigned long n = 0;
  for (char c : version) {
    if (c < '0' || c > '9')
      return 0;
    n = n * 10 + static_cast<unsigned long>(c - '0');
  }
  return n;
}

} // namespace

const served_model* find_served_model(const std::vector<served_model>& models,
                                      const std::string& name,
                                      const std::string& version) {
  const served_model* best = nullptr;
  for (auto& m : models) {
    if (m.name != name)
      continue;
    if (!version.empty()) {
      if (m.version == version)
        return &m;
      continue;
    }
    if (m.workers == 0)
      continue;
    if (!best || version_number(m.version) > version_number(best->version))
      best = &m;
  }
  return best;
}

std::string model_text(const std::string& name, const std::string& version) {
  return version.empty() ? name : name + "@" + version;
}

oip_model_info info_of(const served_model& m) {
  oip_model_info info;
  info.name = m.name;
  info.version = m.version;
  info.width = m.width;
  info.height = m.height;
  info.channels = m.channels;
  info.labels = m.labels;
  if (info.labels.size() != m.classes) { // a worker that named none
    info.labels.clear();
    for (uint32_t i = 0; i < m.classes; ++i)
      info.labels.push_back(std::to_string(i));
  }
  return info;
}

online_request online_request_of(oip_infer_request& request,
                                 const served_model& model,
                                 const oip_model_info& info,
                                 std::string principal,
                                 std::chrono::milliseconds server_timeout) {
  online_request online;
  online.model = model.name + "@" + model.version;
  online.principal = std::move(principal);
  // The client's deadline if it set a shorter one (rounded up to a
  // millisecond), else the server's.
  auto limit = static_cast<uint64_t>(server_timeout.count());
  auto own = (request.timeout_us + 999) / 1000;
  online.timeout_ms
    = static_cast<uint32_t>(own > 0 ? std::min(own, limit) : limit);
  auto& tasks = online.tasks;
  if (!request.images.empty()) {
    for (auto& image : request.images)
      tasks.emplace_back().bytes = std::move(image);
    request.images.clear();
    return online;
  }
  auto per_image = size_t{info.channels} * info.height * info.width;
  for (size_t i = 0; i < request.batch; ++i) {
    auto& task = tasks.emplace_back();
    task.pixels = true;
    auto first = reinterpret_cast<const uint8_t*>(request.pixels.data()
                                                  + i * per_image);
    task.bytes.assign(first, first + per_image * sizeof(float));
  }
  request.pixels.clear();
  return online;
}

std::string failure_text(const caf::error& err, uint32_t deadline_ms) {
  if (err.category() == error_category
      && static_cast<errc>(err.code()) == errc::deadline_passed)
    return "no answer within the request's deadline of "
           + std::to_string(deadline_ms) + " ms";
  return describe(err);
}

caf::expected<std::vector<std::vector<float>>>
probabilities_of(const std::vector<prediction>& rows, size_t classes) {
  std::vector<std::vector<float>> out;
  out.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    auto& row = rows[i];
    if (!row.ok())
      return make_error(errc::bad_image, "batch element " + std::to_string(i)
                                           + ": " + row.error);
    auto& p = out.emplace_back(classes, 0.0f);
    for (size_t k = 0; k < row.top_labels.size(); ++k)
      if (static_cast<size_t>(row.top_labels[k]) < classes)
        p[row.top_labels[k]] = row.top_scores[k];
  }
  return out;
}

} // namespace fovea
