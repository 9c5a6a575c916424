// A client's side of a job: the tasks it sends, within the byte credit the
// coordinator grants (messages/credit.hpp, jobs/credit_ledger.hpp), and the
// credit it asks for and is sent.
#include <algorithm>

#include <caf/actor_cast.hpp>

#include "actors/access.hpp"
#include "actors/coordinator_parts.hpp"
#include "messages/errors.hpp"

namespace fovea::coordinator_parts {

// One message per job however many grants it had: a grant says the job's
// credit in all, so the last says everything.
void send_credit(coordinator_pointer self,
                 const std::vector<credit_ledger::grant>& grants) {
  auto& st = self->state;
  for (size_t i = 0; i < grants.size(); ++i) {
    auto& grant = grants[i];
    auto later = std::find_if(grants.begin() + static_cast<long>(i) + 1,
                              grants.end(),
                              [&](auto& g) { return g.job == grant.job; });
    if (later != grants.end())
      continue;
    if (auto job = st.jobs.find(grant.job))
      self->send(job->client, credit_atom::value,
                 job_credit{grant.job, grant.granted, st.credit.task_floor(),
                            st.credit.budget()});
  }
}

// Takes a batch of a client's tasks into the queue: inputs the client
// already knows bad, or that are too large, become error rows at once.
// Recording them may finish (and close) the job.
void admit_tasks(coordinator_pointer self, uint64_t id,
                 std::vector<image_task> tasks) {
  auto& st = self->state;
  auto& job = st.jobs.at(id);
  st.sched.received(id, tasks.size());
  std::vector<prediction> settled;
  for (auto& task : tasks) {
    task.attempt = 0; // counted here, whatever the client sent
    task.top_k = job.top_k;
    if (job.ledger.recorded(task.index))
      continue; // resumed from the journal: the client has its row
    // A reference with a journaled row: the task names the row's version,
    // and the row is held (and charged) until the worker answers.
    uint64_t held = 0;
    if (job.references && task.is_reference() && task.error.empty())
      held = job.references->prepare(task);
    st.credit.hold(id, task.index,
                   task_charge(task, st.credit.task_floor()) + held);
    if (!task.error.empty())
      settled.push_back(error_row(task, std::move(task.error)));
    else if (task.bytes.size() > st.options.max_image_bytes)
      settled.push_back(error_row(
          task, "file too large: " + std::to_string(task.bytes.size()) +
                    " bytes (limit " +
                    std::to_string(st.options.max_image_bytes) + ")"));
    else
      st.sched.push(std::move(task));
  }
  record(self, std::move(settled));
}

// A client's batch of tasks, within the credit its job was granted: it goes
// into the queue at once and the reply says how many were taken. A batch
// past the credit is refused, and the client, which broke the protocol, is
// cut off (CAF keeps a buffer as large as its largest message for as long
// as its connection lasts).
caf::result<uint64_t> take_tasks(coordinator_pointer self, uint64_t id,
                                 std::vector<image_task>& tasks) {
  auto& st = self->state;
  auto job = st.jobs.find(id);
  if (!job)
    return make_error(errc::unknown_job, std::to_string(id));
  if (caf::actor_cast<caf::actor_addr>(self->current_sender())
      != job->client.address())
    return make_error(errc::not_permitted,
                      "only the client that opened job " + std::to_string(id)
                        + " sends its tasks");
  if (auto err = check_tasks(tasks, id, job->ledger.total(),
                             st.options.limits))
    return err;
  uint64_t charge = 0;
  for (auto& task : tasks)
    charge += task_charge(task, st.credit.task_floor());
  if (!st.credit.spend(id, charge)) {
    auto why = "job " + std::to_string(id) + " sent tasks of "
               + std::to_string(charge) + " bytes past its credit of "
               + std::to_string(st.credit.granted(id));
    say(self, why + "; its client is cut off");
    auto client = job->client;
    if (auto& peers = st.options.peers; peers && client.node() != self->node())
      peers->disconnect(node_key(self->system(), client.node()),
                        "it sent past its credit");
    return make_error(errc::invalid_request, why);
  }
  auto accepted = static_cast<uint64_t>(tasks.size());
  admit_tasks(self, id, std::move(tasks));
  pump(self);
  return accepted;
}

// A client asks for more credit for its job; the grant comes as a message
// once the budget has room (jobs/credit_ledger.hpp).
void ask_credit(coordinator_pointer self, uint64_t id, uint64_t need,
                uint64_t want) {
  auto& st = self->state;
  auto job = st.jobs.find(id);
  if (!job
      || caf::actor_cast<caf::actor_addr>(self->current_sender())
           != job->client.address())
    return;
  send_credit(self, st.credit.ask(id, need, want));
}

} // namespace fovea::coordinator_parts
