// The coordinator's requests about workers: registering (who may, and
// what a registration must agree with), draining, and the nodes view. The
// registry (jobs/worker_registry.hpp) keeps each worker's address and
// scheduler key in step.
#include <caf/actor_cast.hpp>

#include "actors/access.hpp"
#include "actors/coordinator_parts.hpp"
#include "messages/errors.hpp"

namespace fovea::coordinator_parts {

// Who sent the message being handled, as far as the edge can tell.
request_sender sender_of(coordinator_pointer self) {
  return identify_sender(self->system(), self->current_sender(),
                         self->state.options.peers.get());
}

// Why the sender of the message being handled may not make a request of
// `kind`, or none.
caf::error refused(coordinator_pointer self, request_kind kind) {
  return check_access(sender_of(self), kind);
}

caf::result<uint64_t> register_worker(coordinator_pointer self,
                                      worker_info& info) {
  auto& st = self->state;
  auto handle = caf::actor_cast<worker_actor>(self->current_sender());
  if (!handle)
    return make_error(errc::invalid_request, "a worker must be an actor");
  auto who = sender_of(self);
  if (auto err = check_access(who, request_kind::register_worker))
    return err;
  if (auto err = check_worker_info(info, st.options.limits))
    return err;
  if (who.peer && !who.peer->name.empty() && info.id != who.peer->name)
    return make_error(errc::not_permitted,
                      "worker id " + info.id
                        + " is not the name of its certificate ("
                        + who.peer->name + ")");
  // A worker registers each model it serves on its own, under its id; an
  // id serving one model twice is two processes sharing an id.
  for (auto& [addr, w] : st.workers)
    if (w.entry.info.id == info.id && addr != handle.address()
        && w.entry.info.model == info.model)
      return make_error(errc::invalid_request,
                        "worker id " + info.id + " is already registered ("
                          + info.model + ")");
  // check_worker_info let only NAME@VERSION labels through.
  auto model = *parse_model_label(info.model, info.model_digest);
  if (auto err = model_conflict(st, model, info.classes, handle.address()))
    return err;
  auto [registered, added] = st.workers.add(handle.address());
  auto& entry = registered.entry;
  entry.info = std::move(info);
  entry.model = std::move(model);
  if (added) {
    st.sched.add_worker(registered.key, entry.info.slots,
                        self->clock().now(), entry.model.key());
    self->monitor(handle);
  }
  entry.handle = handle;
  // Where its connection really comes from, as the edge saw it.
  if (who.peer)
    entry.address = who.peer->address;
  sample_now(self);
  say(self, event_kind::worker_joined,
      "worker " + entry.info.id + " registered from "
              + (entry.address.empty() ? entry.info.host : entry.address)
              + (who.peer && !who.peer->name.empty() ? " (certificate "
                                                         + who.peer->name + ")"
                                                     : "")
              + " (model " + entry.info.model + ", slots "
              + std::to_string(entry.info.slots) + ")");
  auto key = registered.key;
  bind_waiting_jobs(self);
  pump(self);
  return key;
}

caf::result<uint64_t> drain_worker(coordinator_pointer self,
                                   const std::string& id) {
  auto& st = self->state;
  // A worker may drain itself: the registration it sends from (one of its
  // models). Draining another takes an operator, and drains every
  // registration of that id.
  auto sender = caf::actor_cast<caf::actor_addr>(self->current_sender());
  std::vector<caf::actor_addr> chosen;
  if (auto itself = st.workers.find(sender);
      itself && itself->entry.info.id == id) {
    chosen.push_back(sender);
  } else {
    if (auto err = refused(self, request_kind::drain))
      return err;
    for (auto& [addr, w] : st.workers)
      if (w.entry.info.id == id)
        chosen.push_back(addr);
  }
  if (chosen.empty())
    return make_error(errc::invalid_request, "no worker " + id);
  for (auto& addr : chosen)
    if (st.workers.find(addr)->entry.drained)
      return make_error(errc::invalid_request,
                        "worker " + id + " is already draining");
  auto request = std::make_shared<drain_request>();
  request->promise = self->make_response_promise<uint64_t>();
  request->pending = chosen.size();
  auto promise = request->promise;
  for (auto& addr : chosen) {
    auto& w = *st.workers.find(addr);
    say(self, event_kind::worker_draining,
        "worker " + id + " (" + w.entry.info.model + ") draining: "
                + std::to_string(st.sched.in_flight(w.key))
                + " batches to finish");
    w.entry.drained = request;
    st.sched.drain(w.key);
    release_if_drained(self, addr); // may forget it: w is not used after
  }
  return promise;
}

std::vector<node_row> node_rows(coordinator_state& st) {
  std::vector<node_row> rows;
  auto& me = rows.emplace_back();
  me.id = st.options.id;
  me.role = node_role::coordinator;
  me.host = st.options.host; // its address is where the asker reached it
  me.up_since = st.started;
  me.done = st.recorded;
  for (auto& [addr, registered] : st.workers) {
    auto& w = registered.entry;
    auto& row = rows.emplace_back();
    row.id = w.info.id;
    row.role = node_role::worker;
    row.host = w.info.host;
    row.address = w.address;
    row.model = w.info.model;
    row.slots = w.info.slots;
    row.credit = st.sched.credit(registered.key);
    row.in_flight = st.sched.in_flight(registered.key);
    row.done = w.done;
    row.rate = w.rate.per_second();
    row.online_rate = w.online_rate.per_second();
    row.up_since = w.up_since;
    row.draining = w.drained != nullptr;
  }
  return rows;
}

} // namespace fovea::coordinator_parts
