// A named job's journal: opened for its certificate (new, or a crashed
// run's to resume), replayed into its ledger, synced now and then, and
// expired when old (jobs/journal_store.hpp, jobs/job_journal.hpp).
#include <filesystem>
#include <set>

#include "actors/coordinator_parts.hpp"
#include "jobs/model_binding.hpp"
#include "messages/errors.hpp"

namespace fovea::coordinator_parts {

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

// Opens the journal of a named job: a new one, or the one a crashed run
// left, which must be for the same inputs, the same files and the same
// model. Read once to its end here (a part at a time) to learn its models
// and where its intact records end; replay_journal reads it again.
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
  // An earlier release's journal of this name is this certificate's if it
  // was made for these very inputs (no other certificate has them).
  auto same_inputs = [&spec](const std::string& legacy) {
    auto reader = journal_reader::open(legacy);
    if (!reader)
      return false;
    auto& had = reader->header();
    return had.total == spec.total && had.fingerprint == spec.fingerprint
           && had.contents == spec.contents;
  };
  if (auto from = st.journals.adopt(owner, spec.name, same_inputs);
      !from.empty())
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
  std::vector<uint64_t> offsets;
  while (st.jobs.find(id) && reader.next(part, 4096, &offsets)) {
    replayed += part.size();
    auto& job = st.jobs.at(id);
    std::vector<prediction> fresh;
    for (size_t i = 0; i < part.size(); ++i) {
      auto& row = part[i];
      row.job = id;
      // A referenced object may have changed since its row was read: the
      // row waits for a worker to find it unchanged (resumed_references).
      if (!row.source_version.empty()) {
        if (!job.references) {
          auto checker = journal_reader::open(job.journal->path());
          if (!checker) {
            fail_job(self, id, checker.error());
            return;
          }
          job.references.emplace(std::move(*checker));
        }
        job.references->note(row.index, offsets[i]);
        continue;
      }
      if (job.ledger.record(row.index)) {
        job.errors += row.ok() ? 0 : 1;
        fresh.push_back(std::move(row));
      }
    }
    deliver(self, id, std::move(fresh)); // may finish (and close) the job
  }
  // Its client sends only the inputs without a row.
  size_t to_check = 0;
  if (auto job = st.jobs.find(id)) {
    st.sched.expect(id, job->ledger.total() - job->ledger.count());
    if (job->references) {
      job->references->seal();
      to_check = job->references->size();
    }
  }
  say(self, "job " + std::to_string(id) + " (" + name + ") resumed: "
              + std::to_string(replayed) + " results from its journal"
              + (to_check > 0 ? ", of which " + std::to_string(to_check)
                                  + " of referenced objects are used once a "
                                    "worker finds them unchanged"
                              : ""));
}

} // namespace fovea::coordinator_parts
