// A job's results: recorded once each (the ledger), journaled, delivered
// to the client in bounded messages, and the job ended when the last row is
// in, or when it fails, is cancelled or loses its client.
#include <algorithm>
#include <filesystem>
#include <set>

#include "actors/coordinator_parts.hpp"
#include "jobs/model_binding.hpp"
#include "messages/errors.hpp"

namespace fovea::coordinator_parts {

void say(coordinator_pointer self, const std::string& line) {
  if (self->state.options.say)
    self->state.options.say(line);
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
  row.note = job.model_note;
  row.owner = job.owner.empty() ? job.principal : job.owner;
  return row;
}

// Ends a job in `state` (finished, failed, cancelled, paused, dropped): it
// goes to the recent history, and whoever waits for it hears.
void close_job(coordinator_pointer self, uint64_t id, job_state state,
               const std::string& why) {
  constexpr size_t history = 100;
  auto& st = self->state;
  auto job = st.jobs.find(id);
  if (job == st.jobs.end())
    return;
  say(self, "job " + std::to_string(id) + " (" + job->second.ledger.name() +
                ") " + why);
  auto row = row_of(id, job->second, state);
  for (auto& waiter : job->second.waiters)
    waiter.deliver(row);
  // Its client commits the results file next, and then says so.
  constexpr size_t most_committable = 1024;
  if (state == job_state::finished && job->second.journal) {
    st.committable[id] = {job->second.journal->path(),
                          job->second.client.address()};
    if (st.committable.size() > most_committable)
      st.committable.erase(st.committable.begin());
  }
  st.ended.push_back(std::move(row));
  if (st.ended.size() > history)
    st.ended.pop_front();
  if (auto& metrics = st.options.metrics) {
    metrics->job_ended(to_string(state));
    st.ended_series.push_back(job->second.counters);
    if (st.ended_series.size() > history) {
      metrics->forget_job(st.ended_series.front());
      st.ended_series.pop_front();
    }
  }
  st.jobs.erase(job);
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
  if (job.ledger.finished() && sync_journal(self, id))
    close_job(self, id, job_state::finished,
              "finished: " + std::to_string(job.ledger.total()) + " inputs");
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
    auto job = st.jobs.find(row.job);
    if (job != st.jobs.end() && job->second.ledger.record(row.index)) {
      ++st.recorded;
      // Its task is no longer needed: its charge comes back.
      auto given = st.credit.settle(row.job, row.index);
      grants.insert(grants.end(), given.begin(), given.end());
      row.model = job->second.model ? job->second.model->label() : "";
      if (!row.ok())
        ++job->second.errors;
      if (st.options.metrics)
        coordinator_metrics::count_result(job->second.counters, row.error);
      if (job->second.journal)
        job->second.journal->append(row, model);
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

// Syncs every journal now and then, so that a quiet job's last results
// reach the disk too; and, about once a minute, expires old ones.
actor_flow sync_journals(coordinator_pointer self) {
  auto last_sweep = std::chrono::steady_clock::now();
  for (;;) {
    auto pause = after(self, self->state.options.journal_sync);
    co_await pause;
    if (auto now = std::chrono::steady_clock::now();
        now - last_sweep > std::chrono::minutes(1)) {
      last_sweep = now;
      expire_journals(self);
    }
    std::vector<uint64_t> ids;
    for (auto& [id, job] : self->state.jobs)
      if (job.journal && job.journal->pending() > 0)
        ids.push_back(id);
    for (auto id : ids)
      sync_journal(self, id);
  }
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

// Opens the journal of a named job: a new one, or the one a crashed run
// left, which must be for the same inputs, the same files and the same
// model. Read once to its end here (a part at a time) to learn its models
// and where its intact records end; replay_journal reads it again.
uint64_t expire_journals(coordinator_pointer self) {
  auto& st = self->state;
  std::set<std::string> running;
  for (auto& [id, job] : st.jobs)
    if (job.journal)
      running.insert(job.journal->path());
  auto swept = st.journals.sweep(st.options.journal_ttl, running);
  for (auto& path : swept.expired)
    say(self, "journal " + path + " expired: not written within "
                "fovea.journal-ttl; its job starts afresh if submitted again");
  for (auto& problem : swept.failed)
    say(self, "journal " + problem + " (expired, but not removed)");
  return swept.bytes;
}

caf::expected<opened_job> open_journal(coordinator_pointer self,
                                       const job_spec& spec,
                                       const std::string& owner) {
  auto& st = self->state;
  if (!valid_job_name(spec.name))
    return make_error(errc::invalid_request,
                      "job name \"" + spec.name
                        + "\" must be 1-100 letters, digits, '.', '_' or '-', "
                          "not starting with '.'");
  journal_header header{spec.name, spec.total, spec.fingerprint, spec.contents,
                        spec.top_k};
  if (auto from = st.journals.adopt(owner, spec.name); !from.empty())
    say(self, "journal " + from + " of an earlier release now belongs to "
                "certificate " + owner);
  auto path = st.journals.path(owner, spec.name);
  opened_job opened;
  auto existing = journal_reader::open(path);
  if (!existing) {
    auto& err = existing.error();
    if (err.category() != error_category
        || err.code() != static_cast<uint8_t>(errc::no_such_file))
      return std::move(err);
    auto held = expire_journals(self);
    if (held >= st.options.max_journal_bytes)
      return make_error(errc::over_limit,
                        "this coordinator's journals take "
                          + std::to_string(held) + " bytes, its limit "
                          "(fovea.max-journal-bytes); run the job without a "
                          "--job name, or wait for old journals to expire "
                          "(fovea.journal-ttl)");
    std::error_code ec;
    std::filesystem::create_directories(
      std::filesystem::path{path}.parent_path(), ec);
    auto journal = job_journal::open(path, header, nullptr);
    if (!journal)
      return std::move(journal.error());
    opened.journal.emplace(std::move(*journal));
    return opened;
  }
  auto refuse = [&](const std::string& what) {
    return make_error(errc::invalid_request,
                      "job " + spec.name + " has a journal from an unfinished "
                        "run, and " + what + "; run it with what it began "
                        "with to resume it, or choose another --job name (or "
                        "remove " + path + ")");
  };
  auto& had = existing->header();
  if (had.total != spec.total || had.fingerprint != spec.fingerprint)
    return refuse("its input list changed (it had "
                  + std::to_string(had.total) + " inputs)");
  if (had.contents != spec.contents)
    return refuse("its files changed since (same paths, other sizes or "
                  "modification times)");
  if (had.top_k != spec.top_k)
    return refuse(had.top_k == 0 ? "it ranked no classes (no --top-k)"
                                 : "it ranked classes with --top-k "
                                     + std::to_string(had.top_k));
  // The name@version its rows came from (the journal's model records hold
  // only model.pt's SHA-256).
  std::string label;
  std::vector<prediction> rows;
  while (existing->next(rows, 4096))
    for (auto& row : rows)
      if (label.empty())
        label = row.model;
  if (auto problem = resume_conflict(label, spec.model); !problem.empty())
    return refuse(problem);
  // Its rows came from one model: it resumes on that one (and waits for a
  // worker serving it, like any job whose model is not served).
  auto& models = existing->models();
  if (models.size() == 1)
    opened.model = models.front();
  if (existing->ignored_bytes() > 0)
    say(self, "journal " + path + ": ignored a torn tail of "
                + std::to_string(existing->ignored_bytes()) + " bytes");
  auto resume_at = existing->valid_bytes();
  auto journal = job_journal::open(path, header, &resume_at, models);
  if (!journal)
    return std::move(journal.error());
  opened.journal.emplace(std::move(*journal));
  auto again = journal_reader::open(path);
  if (!again)
    return std::move(again.error());
  opened.recorded.emplace(std::move(*again));
  return opened;
}

void replay_journal(coordinator_pointer self, uint64_t id,
                    journal_reader& reader) {
  auto& st = self->state;
  auto name = st.jobs.at(id).ledger.name();
  uint64_t replayed = 0;
  std::vector<prediction> part;
  while (st.jobs.count(id) && reader.next(part, 4096)) {
    replayed += part.size();
    auto& job = st.jobs.at(id);
    std::vector<prediction> fresh;
    for (auto& row : part) {
      row.job = id;
      if (job.ledger.record(row.index)) {
        job.errors += row.ok() ? 0 : 1;
        fresh.push_back(std::move(row));
      }
    }
    deliver(self, id, std::move(fresh)); // may finish (and close) the job
  }
  say(self, "job " + std::to_string(id) + " (" + name + ") resumed: "
              + std::to_string(replayed) + " results from its journal");
}

} // namespace fovea::coordinator_parts
