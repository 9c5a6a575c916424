// The coordinator's requests: each checks who asks (access.hpp) and what
// the message says (message_checks.hpp) before it touches a job, then hands
// the work to the dispatch and results parts.
#include <algorithm>

#include <caf/actor_cast.hpp>
#include <caf/system_messages.hpp>

#include "actors/access.hpp"
#include "actors/coordinator_parts.hpp"
#include "actors/job_admission.hpp"
#include "messages/errors.hpp"
#include "messages/protocol.hpp"

namespace fovea {

namespace {

using namespace coordinator_parts;

// The certificate a job belongs to, if its opener had one.
std::string owner_of(const request_sender& who) {
  return who.peer ? who.peer->name : std::string{};
}

// Why `who` may not look at or wait for job `id` owned by `owner`, or
// none: a certificate other than the owner's, unless an operator's.
caf::error not_theirs(const request_sender& who, uint64_t id,
                      const std::string& owner) {
  auto name = owner_of(who);
  if (name.empty() || name == owner || who.peer->role == peer_role::operator_)
    return caf::none;
  return make_error(errc::not_permitted,
                    "job " + std::to_string(id) + " belongs to "
                      + (owner.empty() ? std::string{"no certificate"}
                                       : "certificate " + owner)
                      + ", not " + name);
}

caf::result<uint64_t> open_job(coordinator_pointer self, job_spec& spec) {
  auto& st = self->state;
  auto& limits = st.options.limits;
  auto client = caf::actor_cast<client_actor>(self->current_sender());
  if (!client)
    return make_error(errc::invalid_request, "submit needs a sender");
  auto who = sender_of(self);
  if (auto err = check_access(who, request_kind::submit))
    return err;
  if (auto err = check_job_spec(spec, limits))
    return err;
  auto owner = owner_of(who);
  std::vector<open_job_view> open;
  for (auto& [other, job] : st.jobs)
    open.push_back({job.principal, job.owner, job.ledger.name()});
  if (auto err = admission_problem(open, spec.name, who.principal, owner,
                                   limits))
    return err;
  opened_job opened;
  if (!st.options.journal_dir.empty() && !spec.name.empty()) {
    auto journaled = open_journal(self, spec, owner);
    if (!journaled)
      return std::move(journaled.error());
    opened = std::move(*journaled);
  }
  auto wanted = *parse_model_request(spec.model); // check_job_spec read it
  wanted.digest = opened.model;
  auto choice = choose_model(wanted, served_models(st));
  if (choice.what == model_choice::outcome::refused) {
    // A journal made for this submit goes too (were it left, it would only
    // resume with no rows).
    if (opened.journal && !opened.recorded)
      if (auto err = retire_journal(opened.journal->path()))
        say(self, describe(err));
    return make_error(errc::invalid_request, choice.why);
  }
  auto id = st.jobs.next_id();
  if (spec.name.empty())
    spec.name = "job-" + std::to_string(id);
  self->monitor(client);
  st.sched.add_job(id);
  st.sched.expect(id, spec.total);
  st.jobs.open(job_entry{.ledger = job_ledger{spec.name, spec.total},
                         .client = client,
                         .principal = who.principal,
                         .owner = owner,
                         .journal = std::move(opened.journal),
                         .started = self->clock().now(),
                         .waiters = {},
                         .model_wanted = std::move(wanted),
                         .model = {},
                         .model_note = {},
                         .storage = {},
                         .unserved_since = {},
                         .top_k = spec.top_k,
                         .counters = st.options.metrics
                           ? st.options.metrics->open_job(id, spec.name)
                           : job_result_counters{},
                         .references = {}});
  bind_or_hold(self, id, choice);
  sample_now(self);
  say(self, event_kind::job_opened,
      "job " + std::to_string(id) + " (" + spec.name + ") opened by "
              + who.principal + ": " + std::to_string(spec.total) + " inputs"
              + (opened.recorded ? ", resumed from its journal" : ""));
  // The id first, then what the journal had: the client knows its job
  // before the first row arrives (messages between two actors keep their
  // order).
  auto promise = self->make_response_promise<uint64_t>();
  promise.deliver(id);
  // Then its first credit: what to charge a task, and a first share of the
  // budget if there is room (the message with granted = 0 says the rest).
  st.credit.open(id);
  send_credit(self, {{id, 0}});
  send_credit(self, st.credit.ask(id, 0, st.credit.budget()));
  if (opened.recorded)
    replay_journal(self, id, *opened.recorded);
  else
    deliver(self, id, {}); // a job of no inputs is finished now
  return promise;
}

// The client committed its results file: the journal of its finished job
// is retired, so the same name runs afresh next time.
caf::result<bool> commit_job(coordinator_pointer self, uint64_t id) {
  auto& st = self->state;
  auto found = st.jobs.commit_of(id);
  if (!found)
    return st.jobs.find(id) ? caf::result<bool>{make_error(
             errc::invalid_request,
             "job " + std::to_string(id) + " has not finished")}
                            : caf::result<bool>{false};
  if (caf::actor_cast<caf::actor_addr>(self->current_sender())
      != found->client)
    return make_error(errc::not_permitted,
                      "only the client of job " + std::to_string(id)
                        + " says it is committed");
  auto path = st.jobs.take_commit(id)->journal;
  if (auto err = retire_journal(path)) {
    say(self, describe(err));
    return err;
  }
  say(self, "job " + std::to_string(id)
              + " committed by its client; journal retired");
  return true;
}

caf::result<job_row> wait_for_job(coordinator_pointer self, uint64_t id) {
  auto& st = self->state;
  auto who = sender_of(self);
  if (auto err = check_access(who, request_kind::observe))
    return err;
  if (auto job = st.jobs.find(id)) {
    if (auto err = not_theirs(who, id, job->owner))
      return err;
    size_t waiting = 0;
    for (auto& [other, entry] : st.jobs)
      waiting += entry.waiters.size();
    if (waiting >= st.options.limits.max_waiters)
      return make_error(errc::over_limit,
                        std::to_string(waiting)
                          + " requests wait for jobs already");
    auto promise = self->make_response_promise<job_row>();
    job->waiters.push_back(promise);
    return promise;
  }
  for (auto& [row, series] : st.jobs.history())
    if (row.id == id) {
      if (auto err = not_theirs(who, id, row.owner))
        return err;
      return row;
    }
  return make_error(errc::unknown_job, std::to_string(id));
}

// An operator may cancel any job; a client, only its own.
caf::result<uint64_t> cancel_job(coordinator_pointer self, uint64_t id) {
  auto& st = self->state;
  auto who = sender_of(self);
  auto job = st.jobs.find(id);
  auto own = job && !job->owner.empty() && job->owner == owner_of(who);
  if (!own)
    if (auto err = check_access(who, request_kind::cancel))
      return err;
  if (!job)
    return make_error(errc::unknown_job, std::to_string(id));
  auto done = job->ledger.count();
  self->send(job->client, failed_atom::value, id,
             std::string{"cancelled by an operator"});
  sync_journal(self, id);
  close_job(self, id, job_state::cancelled, "cancelled by an operator");
  return done;
}

} // namespace

coordinator_actor::behavior_type
coordinator(coordinator_pointer self, coordinator_options options) {
  self->state.options = std::move(options);
  auto& scheduling = self->state.options.scheduling;
  self->state.sched = scheduler{scheduling};
  // Inference requests' bytes are set aside from the budget (the settings
  // check that they leave the jobs some).
  auto& online = self->state.options.online;
  auto jobs_budget = scheduling.max_queued_bytes
                     - std::min<uint64_t>(online.max_bytes,
                                          scheduling.max_queued_bytes / 2);
  self->state.credit = credit_ledger{
    jobs_budget,
    scheduling.max_queued_bytes
      / std::max<size_t>(1, scheduling.max_queued_tasks)};
  online.task_floor = self->state.credit.task_floor();
  self->state.online = online_requests{online};
  self->state.journals = journal_store{self->state.options.journal_dir};
  if (!self->state.options.journal_dir.empty())
    sync_journals(self);
  watch_deadlines(self);
  if (self->state.options.metrics)
    sample_metrics(self);
  self->set_down_handler([self](caf::down_msg& msg) {
    if (self->state.workers.find(msg.source))
      forget_worker(self, msg.source, msg.reason);
    else
      forget_client(self, msg.source);
  });
  return {
    [self](register_atom, worker_info& info) {
      return register_worker(self, info);
    },
    [self](submit_atom, job_spec& spec) { return open_job(self, spec); },
    [self](enqueue_atom, uint64_t id, std::vector<image_task>& tasks) {
      return take_tasks(self, id, tasks);
    },
    [self](credit_atom, uint64_t id, uint64_t need, uint64_t want) {
      ask_credit(self, id, need, want);
    },
    [self](drain_atom, const std::string& id) {
      return drain_worker(self, id);
    },
    [self](commit_atom, uint64_t id) { return commit_job(self, id); },
    [self](nodes_atom) -> caf::result<std::vector<node_row>> {
      if (auto err = refused(self, request_kind::observe))
        return err;
      return node_rows(self->state);
    },
    [self](jobs_atom) -> caf::result<std::vector<job_row>> {
      if (auto err = refused(self, request_kind::observe))
        return err;
      auto& st = self->state;
      std::vector<job_row> rows;
      for (auto& ended : st.jobs.history())
        rows.push_back(ended.row);
      size_t in_flight = 0;
      for (auto& [id, job] : st.jobs)
        in_flight += st.sched.in_flight_tasks(id);
      for (auto& [id, job] : st.jobs) {
        auto& row = rows.emplace_back(row_of(id, job, job_state::running));
        if (in_flight > 0)
          row.share = static_cast<double>(st.sched.in_flight_tasks(id))
                      / static_cast<double>(in_flight);
      }
      return rows;
    },
    [self](wait_atom, uint64_t id) { return wait_for_job(self, id); },
    [self](cancel_atom, uint64_t id) { return cancel_job(self, id); },
    [self](ping_atom) -> caf::result<std::string> {
      if (auto err = refused(self, request_kind::observe))
        return err;
      return self->state.options.id;
    },
    [self](infer_atom, online_request& request) {
      return take_online(self, request);
    },
    [self](abandon_atom, uint64_t key) { abandon_online(self, key); },
    [self](models_atom) -> caf::result<std::vector<served_model>> {
      if (auto err = refused(self, request_kind::observe))
        return err;
      return served_model_list(self->state);
    },
    [self](events_atom, uint64_t after)
      -> caf::result<std::vector<cluster_event>> {
      if (auto err = refused(self, request_kind::observe))
        return err;
      return self->state.events.after(after);
    },
    [self](queue_atom) -> caf::result<queue_view> {
      if (auto err = refused(self, request_kind::observe))
        return err;
      return queue_of(self->state);
    },
    [self](protocol_atom) -> caf::result<uint32_t> {
      if (auto err = refused(self, request_kind::observe))
        return err;
      return protocol_version;
    },
  };
}

} // namespace fovea
