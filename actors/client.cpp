#include "actors/client.hpp"

#include <caf/system_messages.hpp>

#include "actors/remote.hpp"
#include "messages/credit.hpp"
#include "messages/errors.hpp"
#include "vision/image_file.hpp"

namespace fovea {

namespace {

using client_pointer = client_actor::stateful_pointer<client_state>;

void finish(client_pointer self, const caf::error& err) {
  auto& st = self->state;
  if (st.done)
    return;
  st.done = true;
  if (st.options.on_done)
    st.options.on_done(err);
  self->quit();
}

// Every row is in: commit the results file, then tell the coordinator so
// that it retires the job's journal. Only this client knows the file is
// safe; if the word is lost, the journal stays and a resubmit of the same
// files resumes from it, which gives the same rows.
actor_flow complete(client_pointer self) {
  constexpr auto commit_timeout = std::chrono::seconds(10);
  auto& st = self->state;
  st.committing = true;
  if (st.options.commit)
    if (auto err = st.options.commit()) {
      finish(self, err);
      co_return;
    }
  st.committed = true;
  auto told = ask<bool>(self, st.coordinator, commit_timeout,
                        commit_atom::value, st.job);
  auto reply = co_await told;
  (void) reply; // not retired: a resubmit resumes, which changes nothing
  finish(self, caf::none);
}

// Credit granted and not yet spent.
uint64_t unspent(const client_state& st) {
  return st.credit->granted - st.spent;
}

// The unspent credit a client asks for: as much as the coordinator would
// hold for it (its ledger caps a grant at the job's share of the budget).
// Anything less makes the job's rate a window per round trip: 16 MiB of
// 64 KiB task charges was 256 tiny images per 50 ms, 3,700 images/s with
// 25 ms one way; 8,192 tasks' worth gave 0.83 of the 0 ms rate, the whole
// budget 0.88 (bench/run latency). It asks again once half of it is spent,
// so that a grant is on its way before the last is spent.
uint64_t credit_window(const client_state& st) {
  return st.credit->ceiling;
}

// Asks for credit once at a time: enough for `need` (the next task), and
// up to the window.
void ask_credit(client_pointer self, uint64_t need) {
  auto& st = self->state;
  if (st.asked)
    return;
  st.asked = true;
  self->send(st.coordinator, credit_atom::value, st.job, need,
             std::max(need, credit_window(st)));
}

// An input not yet answered, read into a task; an input whose charge is
// over the coordinator's whole budget becomes an error task, unread.
image_task read_next(client_pointer self, const input_item& input,
                     uint64_t index) {
  auto& st = self->state;
  auto& credit = *st.credit;
  auto too_large = [&](uint64_t bytes) {
    return task_charge(bytes, input.path.size(), credit.task_floor)
           > credit.ceiling;
  };
  auto refuse = [&](image_task task, uint64_t bytes) {
    task.bytes.clear();
    task.error = "the file is " + std::to_string(bytes)
                 + " bytes, more than the coordinator holds in all ("
                 + std::to_string(credit.ceiling)
                 + " bytes, fovea.max-queued-bytes)";
    return task;
  };
  if (input.error.empty() && input.reference == reference_kind::none
      && too_large(input.size)) {
    image_task task;
    task.job = st.job;
    task.index = index;
    task.path = input.path;
    return refuse(std::move(task), input.size);
  }
  auto task = read_task(input, st.job, index, st.options.max_image_bytes);
  if (too_large(task.bytes.size()))
    return refuse(std::move(task), task.bytes.size());
  return task;
}

// What is wrong with a pass that ended after `built`, or nothing: it must
// give the inputs the job was submitted with, or rows would go to other
// files under the same indices.
std::string pass_problem(const job_inputs& inputs,
                         const input_fingerprint_builder& built) {
  if (built.count() != inputs.total)
    return "the inputs changed while the job ran: " + std::to_string(inputs.total)
           + " when it was submitted, " + std::to_string(built.count())
           + " now (a list file or directory changed); submit it again";
  if (built.paths() != inputs.fingerprint)
    return "the inputs changed while the job ran: other paths than when it "
           "was submitted (a list file or directory changed); submit it again";
  return {};
}

// Sends one batch without waiting for its reply: a refusal ends the job.
// The reply comes at once, and a coordinator that dies is noticed through
// monitoring: no timeout, which CAF 0.17 would keep in its clock for its
// whole length, one entry per batch.
void send_batch(client_pointer self, std::vector<image_task> batch,
                uint64_t charge) {
  auto& st = self->state;
  st.spent += charge;
  for (auto& task : batch)
    st.in_flight.emplace(task.index, task.path);
  self
    ->request(st.coordinator, caf::infinite, enqueue_atom::value, st.job,
              std::move(batch))
    .then([](uint64_t) {}, [self](caf::error& err) { finish(self, err); });
}

// Sends every input that has no row yet, in batches within the credit.
actor_flow send_inputs(client_pointer self) {
  auto& st = self->state;
  auto& opts = st.options;
  // The first credit message says how tasks are charged.
  while (!st.credit && !st.done) {
    auto first = st.credited.wait();
    co_await first;
  }
  auto pass = opts.inputs.open();
  input_fingerprint_builder built; // what the pass gave so far
  bool ended = false;              // the pass has no more inputs
  std::optional<image_task> next_task;
  while (!st.done) {
    std::vector<image_task> batch;
    uint64_t charge = 0;
    uint64_t bytes = 0;
    uint64_t blocked_on = 0; // the charge of a task that waits for credit
    while (batch.size() < opts.batch_size && bytes < opts.batch_bytes) {
      if (!next_task) {
        // Rows the coordinator had in its journal arrived right after the
        // job id and are marked seen: those inputs are not read again.
        input_item input;
        while (!ended && built.count() < opts.inputs.total) {
          if (!pass->next(input)) {
            ended = true;
            break;
          }
          auto index = built.count();
          built.add(input);
          if (!st.seen[index]) {
            next_task = read_next(self, input, index);
            break;
          }
        }
        if (!next_task)
          break;
      }
      auto cost = task_charge(*next_task, st.credit->task_floor);
      if (charge + cost > unspent(st)) {
        blocked_on = cost;
        break;
      }
      charge += cost;
      bytes += next_task->bytes.size();
      batch.push_back(std::move(*next_task));
      next_task.reset();
    }
    if (!batch.empty()) {
      send_batch(self, std::move(batch), charge);
      if (unspent(st) < credit_window(st) / 2)
        ask_credit(self, blocked_on);
      continue;
    }
    if (!next_task) {
      // Every input is sent; one more input than counted is a change too.
      input_item extra;
      if (!ended && pass->next(extra))
        built.add(extra);
      if (auto problem = pass_problem(opts.inputs, built); !problem.empty())
        finish(self, make_error(errc::invalid_request, problem));
      co_return;
    }
    ask_credit(self, blocked_on);
    auto more = st.credited.wait();
    co_await more;
  }
}

// connect -> submit -> send every input; rows arrive in the behavior.
actor_flow run(client_pointer self) {
  auto& st = self->state;
  auto& opts = st.options;
  coordinator_actor coordinator = opts.local_coordinator;
  if (opts.address) {
    auto attempt = ask_connect(self, *opts.address, opts.routes.get(),
                               opts.connect_timeout);
    auto reply = co_await attempt;
    auto found = as_coordinator(self->system(), std::move(reply),
                                *opts.address, opts.routes.get());
    if (!found) {
      finish(self, found.error());
      co_return;
    }
    coordinator = std::move(*found);
  }
  st.coordinator = coordinator;
  self->monitor(coordinator);
  job_spec spec;
  spec.name = opts.job_name;
  spec.total = opts.inputs.total;
  spec.fingerprint = opts.inputs.fingerprint;
  spec.contents = opts.inputs.contents;
  spec.model = opts.model;
  spec.top_k = opts.top_k;
  auto submit = ask<uint64_t>(self, coordinator, opts.request_timeout,
                              submit_atom::value, spec);
  auto job = co_await submit;
  if (!job) {
    finish(self, job.error());
    co_return;
  }
  st.job = *job;
  if (opts.on_job)
    opts.on_job(st.job);
  if (opts.inputs.total == 0) {
    complete(self);
    co_return;
  }
  if (opts.on_waiting)
    watch_waiting(self);
  send_inputs(self);
}

} // namespace

image_task read_task(const input_item& input, uint64_t job, uint64_t index,
                     uint64_t max_bytes) {
  image_task task;
  task.job = job;
  task.index = index;
  task.path = input.path;
  if (!input.error.empty())
    task.error = input.error;
  else if (input.reference != reference_kind::none)
    task.reference = input.reference; // a worker reads it, not us
  else
    task.error = read_image_file(input.path, max_bytes, task.bytes);
  return task;
}

client_actor::behavior_type client(client_pointer self, client_options options) {
  self->state.options = std::move(options);
  self->state.seen.assign(self->state.options.inputs.total, false);
  self->set_down_handler([self](caf::down_msg& msg) {
    if (msg.source != self->state.coordinator.address())
      return;
    if (self->state.committed)
      finish(self, caf::none); // the results are safe; the journal stays
    else
      finish(self, make_error(errc::no_coordinator,
                              "lost the coordinator before the job finished ("
                                + caf::to_string(msg.reason) + ")"));
  });
  run(self);
  return {
    [self](result_atom, uint64_t job, std::vector<prediction>& rows) {
      auto& st = self->state;
      if (job != st.job || st.done)
        return;
      for (auto& row : rows) {
        if (row.index >= st.seen.size() || st.seen[row.index])
          continue; // not ours, or a duplicate: each input counts once
        st.seen[row.index] = true;
        ++st.received;
        // The row is for our input: its path is the one we read, whatever
        // came back. A row without one in flight comes from the
        // coordinator's journal, which it resumed only because the job's
        // paths, in order, have the fingerprint of ours.
        if (auto sent = st.in_flight.find(row.index);
            sent != st.in_flight.end()) {
          row.path = std::move(sent->second);
          st.in_flight.erase(sent);
        }
        if (st.options.on_row)
          st.options.on_row(row);
      }
      if (st.received == st.seen.size() && !st.committing)
        complete(self);
    },
    [self](failed_atom, uint64_t job, const std::string& why) {
      // Once the results file is committed, every row is safe whatever
      // the coordinator's journal did.
      if (job == self->state.job && !self->state.committed)
        finish(self, make_error(errc::job_ended, why));
    },
    [self](credit_atom, const job_credit& credit) {
      auto& st = self->state;
      if (credit.job != st.job || st.done)
        return;
      // Grants only grow; the first message says how tasks are charged.
      if (st.credit) {
        st.credit->granted = std::max(st.credit->granted, credit.granted);
        st.asked = false;
      } else {
        st.credit = credit;
      }
      st.credited.notify();
    },
  };
}

} // namespace fovea
