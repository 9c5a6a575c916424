#include "actors/model_runner.hpp"

#include <chrono>

#include "actors/batch_cpu_scope.hpp"
#include "actors/coroutine.hpp"
#include "actors/decoder.hpp"
#include "messages/errors.hpp"
#include "messages/online.hpp"

namespace fovea {

namespace {

using runner_pointer = model_runner_actor::stateful_pointer<model_runner_state>;

void flush_soon(runner_pointer self) {
  if (!std::exchange(self->state.flush_sent, true))
    self->send(self, flush_atom::value);
}

// For an inference request: a flush in the urgent queue, which CAF takes
// ahead of the jobs' batches waiting in the normal one. A normal flush
// lands behind them, so the request would wait while the runner decoded
// every job batch in its mailbox.
void flush_urgently(runner_pointer self) {
  if (!std::exchange(self->state.urgent_flush_sent, true))
    self->send<caf::message_priority::high>(self, flush_atom::value);
}

// Wakes the runner when the oldest queued image has waited its delay.
actor_flow flush_after(runner_pointer self, caf::timespan delay) {
  self->state.delayed_flush_armed = true;
  auto pause = after(self, delay);
  co_await pause;
  self->state.delayed_flush_armed = false;
  flush_soon(self);
}

// Runs one model batch if the policy says so; else waits for more images.
// With none queued, it warms one more batch size (model::warm_next) and
// comes back behind whatever arrived meanwhile, until every size is warm.
void step(runner_pointer self) {
  auto& st = self->state;
  auto& queue = *st.queue;
  if (queue.images() == 0) {
    if (st.engine->warm_next())
      flush_soon(self);
    return;
  }
  auto now = batch_queue::clock::now();
  auto waited = std::chrono::duration_cast<std::chrono::microseconds>(
    now - queue.oldest());
  // Inference requests do not wait for company, nor for a full batch of
  // the jobs' images behind them: a pass of them alone runs now (they are
  // ahead of every job image in the queue; see batch_queue.hpp).
  auto urgent = queue.through_urgent();
  auto size = urgent > 0 ? std::min(urgent, st.policy.max_batch_size)
                         : st.policy.batch_to_run(queue.images(), waited);
  // While inference requests come (one in the last 100 ms), the jobs'
  // passes are a quarter as long: a request arriving mid-pass waits for at
  // most that, at some cost to the jobs' rate (bench/run online).
  constexpr auto online_recently = std::chrono::milliseconds(100);
  if (urgent == 0 && now - st.last_urgent < online_recently)
    size = std::min(size, std::max<size_t>(1, st.policy.max_batch_size / 4));
  if (size == 0) {
    if (queue.images() > 0 && !st.delayed_flush_armed)
      flush_after(self, st.policy.max_queue_delay - waited);
    return;
  }
  auto batch = queue.take(size);
  auto start = std::chrono::steady_clock::now();
  auto probabilities = [&] {
    if (urgent > 0)
      return st.engine->infer(batch.inputs, batch.count);
    batch_cpu_scope jobs_pass; // see batch_cpu_scope.hpp
    return st.engine->infer(batch.inputs, batch.count);
  }();
  if (st.metrics) {
    std::chrono::duration<double> took = std::chrono::steady_clock::now()
                                         - start;
    if (probabilities)
      st.metrics->forward_pass(batch.count, took.count());
    else
      st.metrics->failed_images(batch.count);
  }
  auto done = probabilities
                ? queue.finish(batch, *probabilities, st.engine->labels(), {})
                : queue.finish(batch, {}, st.engine->labels(),
                               describe(probabilities.error()));
  for (auto& request : done) {
    auto waiting = st.waiting.find(request.id);
    auto& [promise, held] = waiting->second;
    if (held) // before the answer, which may be read at once
      st.hold(-1);
    if (request.failure.empty())
      promise.deliver(std::move(request.rows));
    else // the coordinator retries the batch elsewhere
      promise.deliver(make_error(errc::bad_model, request.failure));
    st.waiting.erase(waiting);
  }
  // Whatever arrived during this pass is in the mailbox ahead of the flush
  // (of its own queue: requests left ahead of the jobs go on at once).
  if (queue.through_urgent() > 0)
    flush_urgently(self);
  else if (queue.images() > 0)
    flush_soon(self);
}

// `held`: the request came from the coordinator, not from a decoder in
// front of us, so it counts as a batch the worker holds until answered.
caf::result<std::vector<prediction>>
queue_batch(runner_pointer self, decoded_batch batch, bool held) {
  if (batch.images.empty())
    return std::move(batch.rows); // nothing for the model to do
  auto& st = self->state;
  auto promise = self->make_response_promise<std::vector<prediction>>();
  // An inference request's images go ahead of the jobs' not yet started.
  auto urgent = is_online_job(batch.rows.front().job);
  if (urgent)
    st.last_urgent = batch_queue::clock::now();
  auto ticket = st.queue->push(std::move(batch), batch_queue::clock::now(),
                               urgent);
  st.waiting.emplace(ticket, model_runner_state::request{promise, held});
  if (held)
    st.hold(+1);
  if (urgent)
    flush_urgently(self);
  else
    flush_soon(self);
  return promise;
}

} // namespace

model_runner_actor::behavior_type
model_runner(runner_pointer self, std::shared_ptr<model> engine,
             batching_policy policy, std::shared_ptr<worker_metrics> metrics,
             runner_decoding decoding) {
  auto& st = self->state;
  st.queue.emplace(engine->manifest().input_size());
  st.engine = std::move(engine);
  st.policy = policy;
  st.metrics = std::move(metrics);
  st.decoding = std::move(decoding);
  flush_soon(self); // warms the batch sizes warm_up() left, while idle
  return {
    [self](classify_atom, const std::vector<image_task>& tasks) {
      auto& st = self->state;
      // As the pipeline counts them when it stands in front (inference.cpp).
      if (st.metrics)
        st.metrics->task_batch(!tasks.empty()
                               && is_online_job(tasks.front().job));
      auto batch = decode_counted(tasks, st.engine->manifest(),
                                  st.decoding.limits, st.decoding.worker_id,
                                  st.metrics.get());
      return queue_batch(self, std::move(batch), true);
    },
    [self](classify_atom, decoded_batch& batch) {
      return queue_batch(self, std::move(batch), false);
    },
    [self](flush_atom) {
      if (self->current_message_id().is_urgent_message())
        self->state.urgent_flush_sent = false;
      else
        self->state.flush_sent = false;
      step(self);
    },
  };
}

} // namespace fovea
