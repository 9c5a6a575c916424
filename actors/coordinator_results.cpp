// A job's results: recorded once each (the ledger), journaled, delivered
// to the client in bounded messages, and the job ended when the last row is
// in, or when it fails, is cancelled or loses its client.
#include <algorithm>
#include <chrono>

#include "actors/coordinator_parts.hpp"
#include "jobs/model_binding.hpp"
#include "messages/errors.hpp"

namespace fovea::coordinator_parts {

void say(coordinator_pointer self, const std::string& line) {
  if (self->state.options.say)
    self->state.options.say(line);
}

void remember(coordinator_pointer self, event_kind kind, std::string text) {
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
    std::chrono::system_clock::now().time_since_epoch());
  self->state.events.add(kind, std::move(text), now.count());
}

void say(coordinator_pointer self, event_kind kind, const std::string& line) {
  say(self, line);
  remember(self, kind, line);
}

// A job whose journal cannot be written stops (or one whose model never
// came): its client hears why, and nothing it was told is presented as
// safely kept.
void fail_job(coordinator_pointer self, uint64_t id, const caf::error& err) {
  auto& job = self->state.jobs.at(id);
  self->send(job.client, failed_atom::value, id, describe(err));
  close_job(self, id, job_state::failed, "failed: " + describe(err));
}

job_row row_of(uint64_t id, const job_entry& job, job_state state) {
  job_row row;
  row.id = id;
  row.name = job.ledger.name();
  row.state = state;
  row.total = job.ledger.total();
  row.done = job.ledger.count();
  row.errors = job.errors;
  row.started = job.opened;
  row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                              job.started)
                    .count();
  row.rate = row.seconds > 0 ? row.done / row.seconds : 0;
  if (job.model)
    row.model = job.model->label();
  row.note = job.storage.why.empty()
               ? job.model_note
               : "paused: " + job.storage.why + " (trying again every "
                   + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                      job.storage.pause)
                                      .count())
                   + " s)";
  row.owner = job.owner.empty() ? job.principal : job.owner;
  return row;
}

// Ends a job in `state` (finished, failed, cancelled, paused, dropped): it
// goes to the recent history, and whoever waits for it hears.
void close_job(coordinator_pointer self, uint64_t id, job_state state,
               const std::string& why) {
  auto& st = self->state;
  auto job = st.jobs.find(id);
  if (!job)
    return;
  say(self, event_kind::job_ended,
      "job " + std::to_string(id) + " (" + job->ledger.name() + ") " + why);
  auto row = row_of(id, *job, state);
  for (auto& waiter : job->waiters)
    waiter.deliver(row);
  // Its client commits the results file next, and then says so.
  std::optional<committable_job> commit;
  if (state == job_state::finished && job->journal)
    commit = committable_job{job->journal->path(), job->client.address()};
  auto& metrics = st.options.metrics;
  if (metrics)
    metrics->job_ended(to_string(state));
  auto series = metrics ? std::optional{job->counters} : std::nullopt;
  auto dropped = st.jobs.finish(
    id, ended_job{std::move(row), std::move(series)}, std::move(commit));
  if (dropped && dropped->series && metrics)
    metrics->forget_job(*dropped->series);
  st.sched.remove_job(id); // its queued tasks go; batches out run unheeded
  send_credit(self, st.credit.close(id)); // what it held goes to others
  sample_now(self);
}

// Writes the journal's buffered records to disk; false if the job failed.
bool sync_journal(coordinator_pointer self, uint64_t id) {
  auto& job = self->state.jobs.at(id);
  if (!job.journal)
    return true;
  auto start = std::chrono::steady_clock::now();
  if (auto err = job.journal->sync()) {
    fail_job(self, id, err);
    return false;
  }
  if (auto& metrics = self->state.options.metrics)
    metrics->journal_synced(std::chrono::duration<double>(
                              std::chrono::steady_clock::now() - start)
                              .count());
  return true;
}

// Sends rows to a job's client, in messages of a bounded size (rows and
// bytes: far below fovea.max-message-bytes, which the client's edge
// enforces), and closes the job once every input has its row.
void deliver(coordinator_pointer self, uint64_t id,
             std::vector<prediction> rows) {
  constexpr size_t max_rows_per_message = 4096;
  constexpr size_t max_bytes_per_message = 4u << 20;
  auto& job = self->state.jobs.at(id);
  for (size_t first = 0; first < rows.size();) {
    size_t last = first;
    size_t bytes = 0;
    while (last < rows.size() && last - first < max_rows_per_message &&
           (last == first || bytes < max_bytes_per_message)) {
      auto& row = rows[last++];
      bytes += 64 + row.path.size() + row.class_name.size() +
               row.worker.size() + row.error.size();
    }
    std::vector<prediction> part(std::make_move_iterator(rows.begin() + first),
                                 std::make_move_iterator(rows.begin() + last));
    self->send(job.client, result_atom::value, id, std::move(part));
    first = last;
  }
  if (job.ledger.finished() && sync_journal(self, id)) {
    std::string reused;
    if (job.references)
      reused = "; " + std::to_string(job.references->reused()) + " of its "
               + std::to_string(job.references->size())
               + " journaled rows of referenced objects used again (found "
                 "unchanged)";
    close_job(self, id, job_state::finished,
              "finished: " + std::to_string(job.ledger.total()) + " inputs"
                + reused);
  }
}

// Records results, journals them, and forwards the new ones to their jobs'
// clients, one message per job.
void record(coordinator_pointer self, std::vector<prediction> rows,
            const std::string& model) {
  constexpr size_t sync_every = 512; // records; the timer syncs the rest
  auto& st = self->state;
  std::map<uint64_t, std::vector<prediction>> fresh;
  std::vector<credit_ledger::grant> grants;
  for (auto& row : rows) {
    if (online_requests::is_online(row.job)) {
      record_online(self, std::move(row), model);
      continue;
    }
    auto job = st.jobs.find(row.job);
    if (job && job->references && !job->ledger.recorded(row.index)) {
      if (row.unchanged) // the row its journal had, read from this version
        row = unchanged_row(*job->references, std::move(row));
      else
        job->references->release(row.index);
    }
    if (job && job->ledger.record(row.index)) {
      ++st.recorded;
      // Its task is no longer needed: its charge comes back.
      auto given = st.credit.settle(row.job, row.index);
      grants.insert(grants.end(), given.begin(), given.end());
      row.model = job->model ? job->model->label() : "";
      if (!row.ok())
        ++job->errors;
      if (st.options.metrics)
        coordinator_metrics::count_result(job->counters, row.error);
      if (job->journal)
        job->journal->append(row, model);
      fresh[row.job].push_back(std::move(row));
    }
  }
  send_credit(self, grants);
  for (auto& [id, batch] : fresh) {
    auto& job = st.jobs.at(id);
    if (job.journal && job.journal->pending() >= sync_every &&
        !sync_journal(self, id))
      continue;
    deliver(self, id, std::move(batch));
  }
}

// A worker found a resumed row's object unchanged: that row, as its
// journal had it, for this attempt.
prediction unchanged_row(resumed_references& references, prediction answer) {
  auto kept = references.take(answer.index);
  if (!kept) { // cannot happen: the row is held until its input is recorded
    answer.unchanged = false;
    answer.error = "its object was found unchanged, but its earlier row is "
                   "no longer held";
    return answer;
  }
  kept->job = answer.job;
  kept->attempt = answer.attempt;
  return std::move(*kept);
}

prediction error_row(image_task& task, std::string reason) {
  prediction row;
  row.job = task.job;
  row.index = task.index;
  row.attempt = task.attempt;
  row.path = std::move(task.path);
  row.error = std::move(reason);
  return row;
}

void forget_client(coordinator_pointer self, const caf::actor_addr& addr) {
  std::vector<uint64_t> orphaned;
  for (auto& [id, job] : self->state.jobs)
    if (job.client.address() == addr)
      orphaned.push_back(id);
  for (auto id : orphaned) {
    if (!sync_journal(self, id))
      continue;
    if (self->state.jobs.at(id).journal)
      close_job(self, id, job_state::paused,
                "paused: its client went away (journaled; submit it again "
                "to resume)");
    else
      close_job(self, id, job_state::dropped, "dropped: its client went away");
  }
}

} // namespace fovea::coordinator_parts
