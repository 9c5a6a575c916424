// A client whose job's rows do not come says why: the coordinator knows
// (a job waiting for a model no worker serves, and until when), and tells
// anyone who may look at the job; the client asks only while no row came
// since its last look, so a running job costs its coordinator nothing.
#include "actors/client.hpp"

#include <algorithm>

namespace fovea {

actor_flow watch_waiting(client_actor::stateful_pointer<client_state> self) {
  std::string said;
  uint64_t rows_seen = 0;
  for (;;) {
    auto pause = after(self, self->state.options.waiting_check);
    co_await pause;
    auto& st = self->state;
    if (st.done)
      co_return;
    if (st.received != rows_seen) { // moving: nothing to explain
      rows_seen = st.received;
      if (!said.empty())
        st.options.on_waiting(said = {});
      continue;
    }
    auto request = ask<std::vector<job_row>>(
      self, st.coordinator, st.options.request_timeout, jobs_atom::value);
    auto rows = co_await request;
    if (self->state.done || !rows)
      continue;
    auto mine = std::find_if(rows->begin(), rows->end(), [&](auto& row) {
      return row.id == self->state.job;
    });
    if (mine != rows->end() && mine->note != said)
      self->state.options.on_waiting(said = mine->note);
  }
}

} // namespace fovea
