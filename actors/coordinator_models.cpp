// Which model each job runs on: chosen when the job opens from what the
// workers serve (jobs/model_binding.hpp), or, while no worker serves it,
// chosen as workers register. A job that waits past model_wait for its
// model to be served, first or again after its workers went away, fails.
// Once chosen, the scheduler sends the job's tasks only to workers of that
// exact model (name, version and model.pt).
#include <algorithm>
#include <chrono>
#include <ctime>

#include "actors/coordinator_parts.hpp"
#include "messages/errors.hpp"

namespace fovea::coordinator_parts {

namespace {

std::string wait_text(caf::timespan wait) {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(wait).count();
  return seconds % 60 == 0 ? std::to_string(seconds / 60) + " min"
                           : std::to_string(seconds) + " s";
}

// Why a job waits and until when, for `jobs`, `status` and its client:
// "no worker serves x now; it fails at 12:30:05 UTC (fovea.model-wait 10
// min) unless one joins". `since` is when its wait began.
std::string waiting_note(const std::string& why, caf::timespan wait,
                         std::chrono::steady_clock::time_point since,
                         std::chrono::steady_clock::time_point now) {
  auto left = since + wait - now;
  auto at = std::chrono::system_clock::to_time_t(
    std::chrono::system_clock::now()
    + std::chrono::duration_cast<std::chrono::system_clock::duration>(left));
  std::tm parts{};
  gmtime_r(&at, &parts);
  char text[16];
  std::strftime(text, sizeof(text), "%H:%M:%S", &parts);
  return why + "; it fails at " + text + " UTC (fovea.model-wait "
         + wait_text(wait) + ") unless one joins";
}

void bind_to(coordinator_pointer self, uint64_t id, job_entry& job,
             const model_id& model, bool waited) {
  job.model = model;
  job.model_note.clear();
  self->state.sched.bind_job(id, model.key());
  if (waited)
    say(self, "job " + std::to_string(id) + " (" + job.ledger.name() +
                  ") runs on " + model.label() +
                  " now that a worker serves it");
}

} // namespace

std::vector<model_id> served_models(const coordinator_state& st) {
  std::vector<model_id> out;
  for (auto& [addr, w] : st.workers)
    if (!w.entry.drained && w.entry.handle)
      out.push_back(w.entry.model);
  return out;
}

caf::error model_conflict(const coordinator_state& st, const model_id& mine,
                          uint32_t classes, const caf::actor_addr& worker) {
  std::vector<model_id> others;
  for (auto& [addr, registered] : st.workers) {
    auto& w = registered.entry;
    if (addr == worker)
      continue;
    others.push_back(w.model);
    // One model.pt has one set of classes: rows are checked against it.
    if (!mine.digest.empty() && w.model.digest == mine.digest
        && w.info.classes != classes)
      return make_error(errc::invalid_request,
                        "model " + mine.label() + " (SHA-256 "
                          + mine.digest.substr(0, 12) + "...) has "
                          + std::to_string(w.info.classes)
                          + " classes on worker " + w.info.id
                          + ", not the " + std::to_string(classes)
                          + " this worker declares");
  }
  if (auto clash = conflicting_model(mine, others))
    return make_error(errc::invalid_request,
                      "model " + mine.label() +
                          " is served already from "
                          "another model.pt (SHA-256 " +
                          clash->digest.substr(0, 12) + "..., this one " +
                          mine.digest.substr(0, 12) +
                          "...): give a changed model a new version");
  return caf::none;
}

void bind_or_hold(coordinator_pointer self, uint64_t id,
                  const model_choice& choice) {
  auto& st = self->state;
  auto& job = st.jobs.at(id);
  if (choice.what == model_choice::outcome::bound) {
    bind_to(self, id, job, choice.model, false);
    return;
  }
  // Refusals were answered before the job opened; the rest wait.
  st.sched.hold_job(id);
  job.model_note = waiting_note(choice.why, st.options.model_wait,
                                job.started, self->clock().now());
  say(self, "job " + std::to_string(id) + " (" + job.ledger.name() +
                ") waits: " + choice.why + " (it fails after " +
                wait_text(st.options.model_wait) + ", fovea.model-wait)");
}

void bind_waiting_jobs(coordinator_pointer self) {
  auto& st = self->state;
  std::vector<std::pair<uint64_t, std::string>> failing;
  auto served = served_models(st);
  auto now = self->clock().now();
  for (auto& [id, job] : st.jobs) {
    if (job.model) {
      // A bound job whose workers all went away waits for one as long.
      if (std::find(served.begin(), served.end(), *job.model) != served.end()) {
        job.unserved_since.reset();
        job.model_note.clear();
      } else if (!job.unserved_since) {
        job.unserved_since = now;
        job.model_note = waiting_note("no worker serves "
                                        + job.model->label() + " now",
                                      st.options.model_wait, now, now);
      } else if (now - *job.unserved_since >= st.options.model_wait) {
        failing.emplace_back(
            id, "no worker served " + job.model->label() + " for " +
                    wait_text(st.options.model_wait) + " (fovea.model-wait)");
      }
      continue;
    }
    auto choice = choose_model(job.model_wanted, served);
    if (choice.what == model_choice::outcome::bound)
      bind_to(self, id, job, choice.model, true);
    else if (choice.what == model_choice::outcome::refused)
      failing.emplace_back(id, choice.why); // several names came at once
    else if (now - job.started >= st.options.model_wait)
      failing.emplace_back(
          id, "no worker served " + job.model_wanted.text() + " within " +
                  wait_text(st.options.model_wait) + " (fovea.model-wait)");
    else if (job.model_note.rfind(choice.why, 0) != 0) // the reason changed
      job.model_note = waiting_note(choice.why, st.options.model_wait,
                                    job.started, now);
  }
  for (auto& [id, why] : failing)
    fail_job(self, id, make_error(errc::model_unserved, why));
}

} // namespace fovea::coordinator_parts
