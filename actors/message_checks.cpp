#include "actors/message_checks.hpp"

#include <algorithm>
#include <cmath>

#include "jobs/job_journal.hpp"
#include "jobs/model_binding.hpp"
#include "messages/errors.hpp"
#include "messages/protocol.hpp"

namespace fovea {

namespace {

bool printable(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
  });
}

std::string too_long(const char* what, size_t size, size_t limit) {
  return std::string{what} + " of " + std::to_string(size) +
         " characters (at most " + std::to_string(limit) + ")";
}

caf::error version_problem(uint32_t theirs) {
  return make_error(errc::wrong_version,
                    "it speaks fovea protocol " + std::to_string(theirs) +
                        ", this coordinator " +
                        std::to_string(protocol_version) +
                        " (run the same fovea version on every node)");
}

caf::error invalid(std::string why) {
  return make_error(errc::invalid_request, std::move(why));
}

} // namespace

caf::error check_worker_info(const worker_info& info,
                             const coordinator_limits& limits) {
  if (info.protocol != protocol_version)
    return version_problem(info.protocol);
  if (!valid_job_name(info.id))
    return invalid("a worker id must be 1-100 letters, digits, '.', '_' or "
                   "'-', not starting with '.'");
  if (info.host.size() > text_limits::host || !printable(info.host))
    return invalid("a host name must be up to 255 printable characters");
  if (info.model.size() > text_limits::model || !printable(info.model))
    return invalid("a model name must be up to 200 printable characters");
  if (!parse_model_label(info.model))
    return invalid("a worker's model must be NAME@VERSION (a name of "
                   "letters, digits, '.', '_' or '-', a whole version)");
  if (info.slots == 0 || info.slots > limits.max_slots)
    return invalid("a worker needs from 1 to " +
                   std::to_string(limits.max_slots) + " slots (it asked for " +
                   std::to_string(info.slots) + ")");
  if (info.classes == 0 || info.classes > text_limits::max_classes)
    return invalid("a worker's model must have from 1 to "
                   + std::to_string(text_limits::max_classes)
                   + " classes (it declared "
                   + std::to_string(info.classes) + ")");
  if (!info.labels.empty() && info.labels.size() != info.classes)
    return invalid("a worker's model names " + std::to_string(info.labels.size())
                   + " classes but has " + std::to_string(info.classes));
  for (auto& label : info.labels)
    if (label.size() > text_limits::class_name || !printable(label))
      return invalid("a class name must be up to "
                     + std::to_string(text_limits::class_name)
                     + " printable characters");
  if (info.width > text_limits::max_side || info.height > text_limits::max_side
      || info.channels > 4
      || ((info.width == 0) != (info.height == 0))
      || ((info.width == 0) != (info.channels == 0)))
    return invalid("a model's input is channels (1-4) x height x width (up "
                   "to " + std::to_string(text_limits::max_side)
                   + " each), or not said at all");
  auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  if (!info.model_digest.empty()
      && (info.model_digest.size() != 64
          || !std::all_of(info.model_digest.begin(), info.model_digest.end(),
                          hex)))
    return invalid("a model digest must be 64 lower-case hex digits "
                   "(SHA-256)");
  return caf::none;
}

caf::error check_job_spec(const job_spec& spec,
                          const coordinator_limits& limits) {
  if (spec.protocol != protocol_version)
    return version_problem(spec.protocol);
  if (!spec.name.empty() && !valid_job_name(spec.name))
    return invalid("job name \"" + spec.name.substr(0, text_limits::id) +
                   "\" must be 1-100 letters, digits, '.', '_' or '-', not "
                   "starting with '.'");
  if (spec.total > limits.max_job_inputs)
    return make_error(errc::over_limit,
                      "a job of " + std::to_string(spec.total) +
                          " inputs is over this coordinator's limit of " +
                          std::to_string(limits.max_job_inputs) +
                          " (fovea.max-job-inputs); split it into several "
                          "jobs");
  if (spec.top_k > limits.max_top_k)
    return invalid("--top-k " + std::to_string(spec.top_k) + " is over "
                   + std::to_string(limits.max_top_k));
  if (spec.model.size() > text_limits::model
      || !parse_model_request(spec.model))
    return invalid("--model must be NAME or NAME@VERSION (a name of letters, "
                   "digits, '.', '_' or '-', a whole version)");
  return caf::none;
}

caf::error check_tasks(const std::vector<image_task>& tasks, uint64_t job,
                       uint64_t total, const coordinator_limits& limits) {
  if (tasks.size() > limits.max_tasks_per_enqueue)
    return invalid("a batch of " + std::to_string(tasks.size()) +
                   " tasks (at most " +
                   std::to_string(limits.max_tasks_per_enqueue) + ")");
  for (auto& task : tasks) {
    if (task.job != job || task.index >= total)
      return invalid("task outside job " + std::to_string(job));
    if (task.path.size() > text_limits::path)
      return invalid(too_long("a path", task.path.size(), text_limits::path));
    if (task.error.size() > text_limits::error)
      return invalid(
          too_long("an error", task.error.size(), text_limits::error));
    // Deserialized from a byte: any value may come.
    if (static_cast<uint8_t>(task.reference)
        > static_cast<uint8_t>(reference_kind::https))
      return invalid("a task of an unknown reference kind");
    if (task.is_reference() && !task.bytes.empty())
      return invalid("a reference task that carries bytes too");
    // Set by the coordinator alone, from its journal.
    if (!task.known_version.empty())
      return invalid("a task that names a known version");
    // Only inference requests, from this process, carry pixels.
    if (task.pixels)
      return invalid("a task of preprocessed pixels");
  }
  return caf::none;
}

namespace {

// A row's ranked classes must be what its task asked for: min(top_k,
// classes) distinct labels of the model, best first, led by the row's label
// and score. Its cost is that of the ranking (k log k), not of the model's
// classes: a worker declaring a huge model cannot make each row expensive.
std::string check_ranking(const prediction& row, uint32_t top_k,
                          uint32_t classes) {
  size_t wanted = std::min(top_k, classes);
  if (row.top_labels.size() != wanted || row.top_scores.size() != wanted)
    return "a ranking of " + std::to_string(row.top_labels.size())
           + " classes where " + std::to_string(wanted) + " were asked for";
  auto labels = row.top_labels;
  std::sort(labels.begin(), labels.end());
  if (std::adjacent_find(labels.begin(), labels.end()) != labels.end()
      || (!labels.empty()
          && (labels.front() < 0
              || static_cast<uint32_t>(labels.back()) >= classes)))
    return "a ranking with a label twice or out of range";
  for (size_t i = 0; i < wanted; ++i) {
    auto score = row.top_scores[i];
    if (!std::isfinite(score) || score < 0 || score > 1
        || (i > 0 && score > row.top_scores[i - 1]))
      return "a ranking whose scores are not in [0, 1], best first";
  }
  if (wanted > 0
      && (row.top_labels[0] != row.label || row.top_scores[0] != row.score))
    return "a ranking that does not start with the row's label";
  return {};
}

} // namespace

std::string check_answer(std::vector<prediction>& rows,
                         const std::vector<image_task>& tasks, uint32_t classes,
                         const std::string& worker) {
  if (rows.size() != tasks.size())
    return std::to_string(rows.size()) + " predictions for " +
           std::to_string(tasks.size()) + " tasks";
  for (size_t i = 0; i < rows.size(); ++i) {
    auto& row = rows[i];
    auto& task = tasks[i];
    if (row.job != task.job || row.index != task.index)
      return "predictions out of order";
    if (row.error.size() > text_limits::error ||
        row.class_name.size() > text_limits::class_name ||
        row.source_version.size() > text_limits::source_version)
      return "a prediction with an overlong error, class name or version";
    if (row.unchanged) {
      // Only for the version the task named: the coordinator records the
      // row it journaled for that version.
      if (task.known_version.empty()
          || row.source_version != task.known_version)
        return "an unchanged answer for a task without that known version";
      row.error.clear();
      row.label = -1;
      row.class_name.clear();
      row.score = 0;
      row.top_labels.clear();
      row.top_scores.clear();
    } else if (row.ok()) {
      if (row.label < 0 || static_cast<uint32_t>(row.label) >= classes)
        return "label " + std::to_string(row.label) + " of a model with " +
               std::to_string(classes) + " classes";
      if (!std::isfinite(row.score) || row.score < 0 || row.score > 1)
        return "a score outside [0, 1]";
      if (auto wrong = check_ranking(row, task.top_k, classes); !wrong.empty())
        return wrong;
    } else {
      row.label = -1;
      row.class_name.clear();
      row.score = 0;
      row.top_labels.clear();
      row.top_scores.clear();
    }
    row.path = task.path;
    row.attempt = task.attempt;
    row.worker = worker;
  }
  return {};
}

} // namespace fovea
