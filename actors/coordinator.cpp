#include "actors/coordinator.hpp"

#include <algorithm>
#include <utility>

#include <caf/actor_cast.hpp>
#include <caf/exit_reason.hpp>
#include <caf/system_messages.hpp>

#include "actors/coroutine.hpp"
#include "actors/remote.hpp"
#include "messages/errors.hpp"

namespace fovea {

namespace {

using coordinator_pointer
  = coordinator_actor::stateful_pointer<coordinator_state>;

void say(coordinator_pointer self, const std::string& line) {
  if (self->state.options.say)
    self->state.options.say(line);
}

job_row row_of(uint64_t id, const job_entry& job, std::string state) {
  job_row row;
  row.id = id;
  row.name = job.ledger.name();
  row.state = std::move(state);
  row.total = job.ledger.total();
  row.done = job.ledger.count();
  row.errors = job.errors;
  row.started = job.opened;
  row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now()
                                              - job.started)
                  .count();
  row.rate = row.seconds > 0 ? row.done / row.seconds : 0;
  return row;
}

// Ends a job in `state` (finished, failed, cancelled, paused, dropped): it
// goes to the recent history, and whoever waits for it hears.
void close_job(coordinator_pointer self, uint64_t id, const std::string& state,
               const std::string& why) {
  constexpr size_t history = 100;
  auto& st = self->state;
  auto job = st.jobs.find(id);
  if (job == st.jobs.end())
    return;
  say(self, "job " + std::to_string(id) + " (" + job->second.ledger.name()
              + ") " + why);
  auto row = row_of(id, job->second, state);
  for (auto& waiter : job->second.waiters)
    waiter.deliver(row);
  st.ended.push_back(std::move(row));
  if (st.ended.size() > history)
    st.ended.pop_front();
  st.jobs.erase(job); // its queued tasks are skipped by take_batch
}

// A job whose journal cannot be written stops: its client hears why, and
// nothing it was told is presented as safely kept.
void fail_job(coordinator_pointer self, uint64_t id, const caf::error& err) {
  auto& job = self->state.jobs.at(id);
  self->send(job.client, failed_atom::value, id, describe(err));
  close_job(self, id, "failed", "failed: " + describe(err));
}

// Writes the journal's buffered records to disk; false if the job failed.
bool sync_journal(coordinator_pointer self, uint64_t id) {
  auto& job = self->state.jobs.at(id);
  if (!job.journal)
    return true;
  if (auto err = job.journal->sync()) {
    fail_job(self, id, err);
    return false;
  }
  return true;
}

// Sends rows to a job's client, in messages of a bounded size, and closes
// the job once every input has its row.
void deliver(coordinator_pointer self, uint64_t id,
             std::vector<prediction> rows) {
  constexpr size_t max_rows_per_message = 4096;
  auto& job = self->state.jobs.at(id);
  for (size_t first = 0; first < rows.size(); first += max_rows_per_message) {
    auto last = std::min(rows.size(), first + max_rows_per_message);
    std::vector<prediction> part(std::make_move_iterator(rows.begin() + first),
                                 std::make_move_iterator(rows.begin() + last));
    self->send(job.client, result_atom::value, id, std::move(part));
  }
  if (job.ledger.finished() && sync_journal(self, id))
    close_job(self, id, "finished",
              "finished: " + std::to_string(job.ledger.total()) + " inputs");
}

// Records results, journals them, and forwards the new ones to their jobs'
// clients, one message per job.
void record(coordinator_pointer self, std::vector<prediction> rows) {
  constexpr size_t sync_every = 512; // records; the timer syncs the rest
  auto& st = self->state;
  std::map<uint64_t, std::vector<prediction>> fresh;
  for (auto& row : rows) {
    auto job = st.jobs.find(row.job);
    if (job != st.jobs.end() && job->second.ledger.record(row.index)) {
      ++st.recorded;
      if (!row.ok())
        ++job->second.errors;
      if (job->second.journal)
        job->second.journal->append(row);
      fresh[row.job].push_back(std::move(row));
    }
  }
  for (auto& [id, batch] : fresh) {
    auto& job = st.jobs.at(id);
    if (job.journal && job.journal->pending() >= sync_every
        && !sync_journal(self, id))
      continue;
    deliver(self, id, std::move(batch));
  }
}

// Syncs every journal now and then, so that a quiet job's last results
// reach the disk too.
actor_flow sync_journals(coordinator_pointer self) {
  for (;;) {
    auto pause = after(self, self->state.options.journal_sync);
    co_await pause;
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

// The queue's length and bytes, kept together: clients are held back while
// either is past its limit, so the coordinator's memory does not grow with
// a job, whatever its images weigh.
void push_task(coordinator_state& st, image_task task, bool front) {
  st.queued_bytes += task.bytes.size();
  if (front)
    st.queue.push_front(std::move(task));
  else
    st.queue.push_back(std::move(task));
}

image_task pop_task(coordinator_state& st) {
  auto task = std::move(st.queue.front());
  st.queue.pop_front();
  st.queued_bytes -= task.bytes.size();
  return task;
}

bool queue_has_room(const coordinator_state& st) {
  return st.queue.size() < st.options.queue_limit
         && st.queued_bytes < st.options.queue_limit_bytes;
}

// Puts tasks whose dispatch failed back at the front of the queue, in their
// original order, or records them as poison once they used up their attempts.
void requeue(coordinator_pointer self, std::vector<image_task>& tasks,
             const std::string& why) {
  auto& st = self->state;
  std::vector<prediction> poison;
  for (auto i = tasks.rbegin(); i != tasks.rend(); ++i) {
    if (++i->attempt >= st.options.max_attempts)
      poison.push_back(error_row(*i, "poison: failed on all "
                                       + std::to_string(i->attempt)
                                       + " attempts (last: " + why + ")"));
    else
      push_task(st, std::move(*i), true);
  }
  record(self, std::move(poison));
}

// A reply must answer the batch it was asked for, task by task.
bool answers(const std::vector<prediction>& rows,
             const std::vector<image_task>& tasks) {
  if (rows.size() != tasks.size())
    return false;
  for (size_t i = 0; i < rows.size(); ++i)
    if (rows[i].job != tasks[i].job || rows[i].index != tasks[i].index)
      return false;
  return true;
}

void pump(coordinator_pointer self);

// A draining worker that holds no more batches is answered and let go.
void release_if_drained(coordinator_pointer self,
                        std::map<caf::actor_addr, worker_entry>::iterator w) {
  if (!w->second.drained || w->second.in_flight > 0)
    return;
  say(self, "worker " + w->second.info.id + " drained: "
              + std::to_string(w->second.done) + " results; it leaves");
  w->second.drained->deliver(w->second.done);
  // Whoever asked (the worker itself on SIGTERM, or an operator), the
  // worker is told to stop now: it holds nothing and will get nothing.
  self->send_exit(w->second.handle, caf::exit_reason::user_shutdown);
  self->demonitor(w->second.handle.address());
  self->state.workers.erase(w);
}

void finish_batch(coordinator_pointer self, uint64_t batch_id,
                  caf::expected<std::vector<prediction>> reply) {
  auto& st = self->state;
  auto found = st.in_flight.find(batch_id);
  if (found == st.in_flight.end())
    return; // its worker was given up on and the tasks already requeued
  auto batch = std::move(found->second);
  st.in_flight.erase(found);
  auto worker = st.workers.find(batch.worker);
  std::string who = worker != st.workers.end() ? worker->second.info.id
                                               : "a departed worker";
  if (worker != st.workers.end())
    --worker->second.in_flight;
  if (reply && answers(*reply, batch.tasks)) {
    // Also when overdue: the ledger keeps whichever answer came first.
    if (worker != st.workers.end()) {
      worker->second.done += reply->size();
      worker->second.rate.add(reply->size());
    }
    record(self, std::move(*reply));
  } else if (!batch.overdue) {
    auto why = reply ? std::string{"reply does not match the batch"}
                     : describe(reply.error());
    say(self, "batch of " + std::to_string(batch.tasks.size()) + " from "
                + who + " failed (" + why + "); requeued");
    requeue(self, batch.tasks, who + ": " + why);
  }
  if (worker != st.workers.end())
    release_if_drained(self, worker);
  pump(self);
}

// Gives up on one batch: its tasks are dispatched again (counting an
// attempt); the batch stays in flight, holding its worker's credit, until
// the worker answers.
void give_up_on(coordinator_pointer self, batch_in_flight& batch) {
  auto& st = self->state;
  batch.overdue = true;
  std::vector<image_task> again;
  for (auto& task : batch.tasks) {
    image_task stub;
    stub.job = task.job;
    stub.index = task.index;
    stub.path = task.path;
    again.push_back(std::exchange(task, std::move(stub)));
  }
  auto worker = st.workers.find(batch.worker);
  auto who = worker != st.workers.end() ? worker->second.info.id
                                        : std::string{"a departed worker"};
  say(self, "batch of " + std::to_string(again.size()) + " from " + who
              + " not answered in time; dispatched again");
  requeue(self, again, who + ": no answer within task-timeout");
}

// The batches' deadlines, checked by one sweep a fraction of task_timeout
// apart rather than one timer per batch: a timer per batch would keep
// thousands alive in the actor clock for a whole task_timeout each.
actor_flow watch_deadlines(coordinator_pointer self) {
  using namespace std::chrono;
  auto tick = std::clamp<caf::timespan>(self->state.options.task_timeout / 4,
                                        milliseconds(10), seconds(1));
  for (;;) {
    auto pause = after(self, tick);
    co_await pause;
    auto& st = self->state;
    auto now = steady_clock::now();
    bool late = false;
    for (auto& [id, batch] : st.in_flight)
      if (!batch.overdue && now >= batch.deadline) {
        give_up_on(self, batch);
        late = true;
      }
    if (late)
      pump(self);
  }
}

// One batch's round trip: send it, await the answer, record or requeue.
// The request itself waits far longer than the deadline: a late answer is
// still worth having, and until it comes the worker's credit stays taken.
actor_flow dispatch(coordinator_pointer self, worker_actor worker,
                    uint64_t batch_id) {
  constexpr auto answer_timeout = std::chrono::hours(24);
  auto request = ask<std::vector<prediction>>(
    self, worker, answer_timeout, classify_atom::value,
    self->state.in_flight.at(batch_id).tasks);
  auto reply = co_await request;
  finish_batch(self, batch_id, std::move(reply));
}

// Guided self-scheduling: batches are batch_size tasks while the queue is
// long, and shrink as it runs out, to a share of what is left per unit of
// the workers' credit. Otherwise the end of a job is one worker finishing a
// last full batch while the others idle (for a ResNet-sized model, a batch
// of 32 is a second or more of work).
size_t batch_size_now(const coordinator_state& st) {
  size_t credit = 0;
  for (auto& [addr, w] : st.workers)
    if (!w.drained)
      credit += w.info.slots;
  auto share = 2 * std::max<size_t>(credit, 1);
  return std::clamp<size_t>((st.queue.size() + share - 1) / share, 1,
                            st.options.batch_size);
}

// Takes up to batch_size_now() tasks of live jobs from the front of the
// queue. A retried task travels alone: if it is what kills workers, only it
// fails.
std::vector<image_task> take_batch(coordinator_state& st) {
  std::vector<image_task> batch;
  const auto size = batch_size_now(st);
  while (!st.queue.empty() && batch.size() < size) {
    if (!batch.empty() && st.queue.front().attempt > 0)
      break;
    auto task = pop_task(st);
    auto job = st.jobs.find(task.job);
    if (job == st.jobs.end() || job->second.ledger.recorded(task.index))
      continue;
    auto retry = task.attempt > 0;
    batch.push_back(std::move(task));
    if (retry)
      break;
  }
  return batch;
}

// Hands out work while workers have credit, then lets held-back clients go on.
void pump(coordinator_pointer self) {
  auto& st = self->state;
  for (auto& [addr, w] : st.workers) {
    while (!w.drained && w.in_flight < w.info.slots && !st.queue.empty()) {
      auto batch = take_batch(st);
      if (batch.empty())
        break;
      auto id = st.next_batch++;
      st.in_flight.emplace(id, batch_in_flight{addr, std::move(batch),
                                               std::chrono::steady_clock::now()
                                                 + st.options.task_timeout});
      ++w.in_flight;
      dispatch(self, w.handle, id);
    }
  }
  while (!st.waiting.empty() && queue_has_room(st)) {
    st.waiting.front().promise.deliver(st.waiting.front().accepted);
    st.waiting.pop_front();
  }
}

// Operators see where a remote worker connects from: the middleman knows
// the peer of each connection; the worker itself may not know the address
// it is seen at (NAT, several interfaces). The registration is answered
// after the middleman, so a worker that says it is ready is listed with it.
actor_flow learn_address(coordinator_pointer self, worker_actor worker,
                         uint64_t registration,
                         caf::typed_response_promise<uint64_t> answer) {
  constexpr auto timeout = std::chrono::seconds(5);
  auto request = ask_peer_address(self, worker.node(), timeout);
  auto peer = co_await request;
  auto entry = self->state.workers.find(worker.address());
  if (peer && entry != self->state.workers.end()
      && entry->second.registration == registration) {
    auto& [node, host, port] = *peer;
    entry->second.address = to_string(endpoint{host, port});
  } // else it is gone, or `nodes` shows its host name
  answer.deliver(registration);
}

void forget_worker(coordinator_pointer self, const caf::actor_addr& addr,
                   const caf::error& reason) {
  auto& st = self->state;
  auto worker = st.workers.find(addr);
  if (worker == st.workers.end())
    return;
  auto why = "worker " + worker->second.info.id + " lost ("
             + caf::to_string(reason) + ")";
  std::vector<image_task> orphans;
  for (auto i = st.in_flight.begin(); i != st.in_flight.end();) {
    if (i->second.worker == addr) {
      if (!i->second.overdue) // overdue ones were dispatched again already
        for (auto& task : i->second.tasks)
          orphans.push_back(std::move(task));
      i = st.in_flight.erase(i);
    } else {
      ++i;
    }
  }
  say(self, why + "; " + std::to_string(orphans.size()) + " tasks requeued");
  st.workers.erase(worker);
  requeue(self, orphans, why);
  pump(self);
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
      close_job(self, id, "paused",
                "paused: its client went away (journaled; submit it again "
                "to resume)");
    else
      close_job(self, id, "dropped", "dropped: its client went away");
  }
}

struct opened_job {
  std::optional<job_journal> journal;
  std::vector<prediction> recorded; ///< results the journal already had
};

// Opens the journal of a named job: a new one, or the one a crashed run
// left, which must be for the same inputs.
caf::expected<opened_job> open_journal(coordinator_pointer self,
                                       const job_spec& spec) {
  auto& dir = self->state.options.journal_dir;
  if (!valid_job_name(spec.name))
    return make_error(errc::invalid_request,
                      "job name \"" + spec.name + "\" must be 1-100 letters, "
                      "digits, '.', '_' or '-', not starting with '.'");
  journal_header header{spec.name, spec.total, spec.fingerprint};
  auto path = journal_path(dir, spec.name);
  auto existing = read_journal(path);
  opened_job opened;
  if (!existing) {
    auto& err = existing.error();
    if (err.category() != error_category
        || err.code() != static_cast<uint8_t>(errc::no_such_file))
      return std::move(err);
    auto journal = job_journal::open(path, header, nullptr);
    if (!journal)
      return std::move(journal.error());
    opened.journal.emplace(std::move(*journal));
    return opened;
  }
  auto& had = existing->header;
  if (had.total != spec.total || had.fingerprint != spec.fingerprint)
    return make_error(errc::invalid_request,
                      "job " + spec.name + " is in the journal with other "
                      "inputs (" + std::to_string(had.total) + " of them); "
                      "resume it with the same inputs, or choose another "
                      "--job name");
  if (existing->ignored_bytes > 0)
    say(self, "journal " + path + ": ignored a torn tail of "
                + std::to_string(existing->ignored_bytes) + " bytes");
  auto journal = job_journal::open(path, header, &*existing);
  if (!journal)
    return std::move(journal.error());
  opened.journal.emplace(std::move(*journal));
  opened.recorded = std::move(existing->rows);
  return opened;
}

} // namespace

coordinator_actor::behavior_type
coordinator(coordinator_pointer self, coordinator_options options) {
  self->state.options = std::move(options);
  if (!self->state.options.journal_dir.empty())
    sync_journals(self);
  watch_deadlines(self);
  self->set_down_handler([self](caf::down_msg& msg) {
    if (self->state.workers.count(msg.source))
      forget_worker(self, msg.source, msg.reason);
    else
      forget_client(self, msg.source);
  });
  return {
    [self](register_atom, worker_info& info) -> caf::result<uint64_t> {
      auto& st = self->state;
      auto handle = caf::actor_cast<worker_actor>(self->current_sender());
      if (!handle || info.id.empty() || info.slots == 0)
        return make_error(errc::invalid_request,
                          "a worker needs an id and at least one slot");
      for (auto& [addr, w] : st.workers)
        if (w.info.id == info.id && addr != handle.address())
          return make_error(errc::invalid_request,
                            "worker id " + info.id + " is already registered");
      auto& entry = st.workers[handle.address()];
      entry.info = std::move(info);
      bool joined = !entry.handle;
      if (joined) {
        entry.registration = st.next_registration++;
        self->monitor(handle);
      }
      entry.handle = handle;
      say(self, "worker " + entry.info.id + " registered from "
                  + entry.info.host + " (model " + entry.info.model
                  + ", slots " + std::to_string(entry.info.slots) + ")");
      pump(self);
      if (!joined || handle.node() == self->node())
        return entry.registration;
      auto answer = self->make_response_promise<uint64_t>();
      learn_address(self, handle, entry.registration, answer);
      return answer;
    },
    [self](submit_atom, job_spec& spec) -> caf::result<uint64_t> {
      auto& st = self->state;
      auto client = caf::actor_cast<client_actor>(self->current_sender());
      if (!client)
        return make_error(errc::invalid_request, "submit needs a sender");
      for (auto& [other, job] : st.jobs)
        if (!spec.name.empty() && job.ledger.name() == spec.name)
          return make_error(errc::invalid_request,
                            "job " + spec.name + " is already running");
      opened_job opened;
      if (!st.options.journal_dir.empty() && !spec.name.empty()) {
        auto journaled = open_journal(self, spec);
        if (!journaled)
          return std::move(journaled.error());
        opened = std::move(*journaled);
      }
      auto id = st.next_job++;
      if (spec.name.empty())
        spec.name = "job-" + std::to_string(id);
      self->monitor(client);
      auto& job = st.jobs
                    .emplace(id, job_entry{.ledger = job_ledger{spec.name,
                                                                spec.total},
                                           .client = client,
                                           .journal
                                           = std::move(opened.journal),
                                           .waiters = {}})
                    .first->second;
      std::vector<prediction> recorded;
      for (auto& row : opened.recorded) {
        row.job = id;
        if (job.ledger.record(row.index)) {
          job.errors += row.ok() ? 0 : 1;
          recorded.push_back(std::move(row));
        }
      }
      say(self, "job " + std::to_string(id) + " (" + spec.name + ") opened: "
                  + std::to_string(spec.total) + " inputs"
                  + (job.journal ? ", " + std::to_string(recorded.size())
                                     + " already in its journal"
                                 : ""));
      // The id first, then what the journal had: the client knows its job
      // before the first row arrives (messages between two actors keep
      // their order).
      auto promise = self->make_response_promise<uint64_t>();
      promise.deliver(id);
      deliver(self, id, std::move(recorded));
      return promise;
    },
    [self](nodes_atom) {
      auto& st = self->state;
      std::vector<node_row> rows;
      auto& me = rows.emplace_back();
      me.id = st.options.id;
      me.role = "coordinator";
      me.host = st.options.host; // its address is where the asker reached it
      me.up_since = st.started;
      me.done = st.recorded;
      for (auto& [addr, w] : st.workers) {
        auto& row = rows.emplace_back();
        row.id = w.info.id;
        row.role = "worker";
        row.host = w.info.host;
        row.address = w.address;
        row.model = w.info.model;
        row.slots = w.info.slots;
        row.in_flight = w.in_flight;
        row.done = w.done;
        row.rate = w.rate.per_second();
        row.up_since = w.up_since;
        row.draining = w.drained.has_value();
      }
      return rows;
    },
    [self](jobs_atom) {
      auto& st = self->state;
      std::vector<job_row> rows(st.ended.begin(), st.ended.end());
      for (auto& [id, job] : st.jobs)
        rows.push_back(row_of(id, job, "running"));
      return rows;
    },
    [self](wait_atom, uint64_t id) -> caf::result<job_row> {
      auto& st = self->state;
      if (auto job = st.jobs.find(id); job != st.jobs.end()) {
        auto promise = self->make_response_promise<job_row>();
        job->second.waiters.push_back(promise);
        return promise;
      }
      for (auto& row : st.ended)
        if (row.id == id)
          return row;
      return make_error(errc::unknown_job, std::to_string(id));
    },
    [self](cancel_atom, uint64_t id) -> caf::result<uint64_t> {
      auto& st = self->state;
      auto job = st.jobs.find(id);
      if (job == st.jobs.end())
        return make_error(errc::unknown_job, std::to_string(id));
      auto done = job->second.ledger.count();
      self->send(job->second.client, failed_atom::value, id,
                 std::string{"cancelled by an operator"});
      sync_journal(self, id);
      close_job(self, id, "cancelled", "cancelled by an operator");
      return done;
    },
    [self](ping_atom) { return self->state.options.id; },
    [self](drain_atom, const std::string& id) -> caf::result<uint64_t> {
      auto& st = self->state;
      auto w = std::find_if(st.workers.begin(), st.workers.end(),
                            [&](auto& entry) { return entry.second.info.id == id; });
      if (w == st.workers.end())
        return make_error(errc::invalid_request, "no worker " + id);
      if (w->second.drained)
        return make_error(errc::invalid_request,
                          "worker " + id + " is already draining");
      say(self, "worker " + id + " draining: "
                  + std::to_string(w->second.in_flight) + " batches to finish");
      auto promise = self->make_response_promise<uint64_t>();
      w->second.drained = promise;
      release_if_drained(self, w);
      return promise;
    },
    [self](enqueue_atom, uint64_t id,
           std::vector<image_task>& tasks) -> caf::result<uint64_t> {
      auto& st = self->state;
      auto job = st.jobs.find(id);
      if (job == st.jobs.end())
        return make_error(errc::unknown_job, std::to_string(id));
      std::vector<prediction> settled; // inputs the client already knows bad
      for (auto& task : tasks) {
        if (task.job != id || task.index >= job->second.ledger.total())
          return make_error(errc::invalid_request,
                            "task outside job " + std::to_string(id));
      }
      auto accepted = static_cast<uint64_t>(tasks.size());
      for (auto& task : tasks) {
        task.attempt = 0; // counted here, whatever the client sent
        if (job->second.ledger.recorded(task.index))
          continue; // resumed from the journal: the client has its row
        if (!task.error.empty())
          settled.push_back(error_row(task, std::move(task.error)));
        else if (task.bytes.size() > st.options.max_image_bytes)
          settled.push_back(error_row(
            task, "file too large: " + std::to_string(task.bytes.size())
                    + " bytes (limit "
                    + std::to_string(st.options.max_image_bytes) + ")"));
        else
          push_task(st, std::move(task), false);
      }
      record(self, std::move(settled));
      pump(self);
      if (queue_has_room(st))
        return accepted;
      auto promise = self->make_response_promise<uint64_t>();
      st.waiting.push_back(held_reply{promise, accepted});
      return promise;
    },
  };
}

} // namespace fovea
