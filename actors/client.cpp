#include "actors/client.hpp"

#include <caf/system_messages.hpp>

#include "actors/coroutine.hpp"
#include "actors/remote.hpp"
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

// connect -> submit -> enqueue every batch; rows arrive in the behavior.
actor_flow run(client_pointer self) {
  auto& st = self->state;
  auto& opts = st.options;
  coordinator_actor coordinator = opts.local_coordinator;
  if (opts.address) {
    auto target = caf_target(*opts.address, opts.routes.get());
    if (!target) {
      finish(self, target.error());
      co_return;
    }
    auto attempt = ask_connect(self, *target, opts.connect_timeout);
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
  auto& inputs = *opts.inputs;
  job_spec spec{opts.job_name, inputs.size(), input_fingerprint(inputs),
                content_fingerprint(inputs)};
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
  if (inputs.empty()) {
    complete(self);
    co_return;
  }
  // Rows the coordinator had in its journal arrive right after the job id
  // and are marked seen; those inputs are not read or sent again.
  for (size_t next = 0; next < inputs.size() && !st.done;) {
    while (next < inputs.size() && st.seen[next])
      ++next;
    size_t count = 0;
    while (next + count < inputs.size() && count < opts.batch_size
           && !st.seen[next + count])
      ++count;
    if (count == 0)
      break;
    auto batch = read_tasks(inputs, st.job, next, count,
                            opts.max_image_bytes, opts.batch_bytes);
    next += batch.size();
    auto enqueue = ask<uint64_t>(self, coordinator, opts.request_timeout,
                                 enqueue_atom::value, st.job, std::move(batch));
    auto accepted = co_await enqueue;
    if (!accepted) {
      finish(self, accepted.error());
      co_return;
    }
  }
}

} // namespace

std::vector<image_task> read_tasks(const std::vector<input_item>& inputs,
                                   uint64_t job, size_t first, size_t count,
                                   uint64_t max_bytes, uint64_t budget) {
  std::vector<image_task> tasks;
  uint64_t bytes = 0;
  for (auto i = first; i < inputs.size() && i < first + count && bytes < budget;
       ++i) {
    auto& task = tasks.emplace_back();
    task.job = job;
    task.index = i;
    task.path = inputs[i].path;
    if (!inputs[i].error.empty())
      task.error = inputs[i].error;
    else
      task.error = read_image_file(inputs[i].path, max_bytes, task.bytes);
    bytes += task.bytes.size();
  }
  return tasks;
}

client_actor::behavior_type client(client_pointer self, client_options options) {
  self->state.options = std::move(options);
  self->state.seen.assign(self->state.options.inputs->size(), false);
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
        // The row is for our input: its path is the one we know, whatever
        // came back.
        row.path = (*st.options.inputs)[row.index].path;
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
  };
}

} // namespace fovea
