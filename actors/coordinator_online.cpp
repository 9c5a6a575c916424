// The coordinator's inference requests (messages/online.hpp): taken from
// the node's own gateway within the online limits (jobs/online_requests),
// queued as their model's online job ahead of the jobs' batches (the
// scheduler bounds how far ahead), answered when their last row comes, or
// with an error when their deadline passes; dropped when their client
// goes.
#include <algorithm>
#include <map>

#include "actors/coordinator_parts.hpp"
#include "messages/errors.hpp"

namespace fovea::coordinator_parts {

namespace {

// Why the request itself is not one the coordinator takes, or none. The
// gateway read it from a client's bytes within the same bounds; this is
// the coordinator's own line.
caf::error check_online(const coordinator_state& st,
                        const online_request& request) {
  auto invalid = [](std::string why) {
    return make_error(errc::invalid_request, std::move(why));
  };
  if (request.tasks.empty())
    return invalid("an inference request of no images");
  if (request.tasks.size() > st.options.limits.max_tasks_per_enqueue)
    return invalid("an inference request of "
                   + std::to_string(request.tasks.size())
                   + " images (at most "
                   + std::to_string(st.options.limits.max_tasks_per_enqueue)
                   + ")");
  if (request.model.size() > text_limits::model)
    return invalid("a model name of " + std::to_string(request.model.size())
                   + " characters");
  for (auto& task : request.tasks) {
    if (task.bytes.empty() || task.bytes.size() > st.options.max_image_bytes)
      return invalid("an image of " + std::to_string(task.bytes.size())
                     + " bytes (1 to "
                     + std::to_string(st.options.max_image_bytes) + ")");
    if (task.is_reference() || !task.error.empty())
      return invalid("an inference request's image is its bytes");
  }
  return caf::none;
}

// The model `text` names, among those served now; an error naming why
// not (an unknown or unserved model, or none named among several).
caf::expected<model_id> online_model(const coordinator_state& st,
                                     const std::string& text) {
  auto wanted = parse_model_request(text);
  if (!wanted)
    return make_error(errc::invalid_request,
                      "\"" + text + "\" is not NAME or NAME@VERSION");
  auto choice = choose_model(*wanted, served_models(st));
  if (choice.what != model_choice::outcome::bound)
    return make_error(errc::model_unserved,
                      choice.why.empty() ? "model " + text + " is not served"
                                         : choice.why);
  return choice.model;
}

// A registered worker of the model with `digest`, if any.
const worker_entry* worker_of(const coordinator_state& st,
                              const std::string& digest) {
  for (auto& [addr, w] : st.workers)
    if (w.entry.model.digest == digest)
      return &w.entry;
  return nullptr;
}

void count(coordinator_pointer self, const char* outcome,
           std::optional<online_requests::clock::time_point> since = {}) {
  auto& metrics = self->state.options.metrics;
  if (!metrics)
    return;
  std::optional<double> seconds;
  if (since)
    seconds = std::chrono::duration<double>(self->clock().now() - *since)
                .count();
  metrics->inference_ended(outcome, seconds);
}

// A refusal at once, counted.
caf::error refuse(coordinator_pointer self, const char* outcome,
                  caf::error why) {
  count(self, outcome);
  return why;
}

void answer_online(coordinator_pointer self, uint64_t key,
                   caf::expected<std::vector<prediction>> answer) {
  auto& waiting = self->state.online_waiting;
  auto found = waiting.find(key);
  if (found == waiting.end())
    return;
  auto promise = std::move(found->second);
  waiting.erase(found);
  if (answer)
    promise.deliver(std::move(*answer));
  else
    promise.deliver(std::move(answer.error()));
}

// Answers the requests whose deadline passed.
void expire_online(coordinator_pointer self) {
  auto& st = self->state;
  for (auto key : st.online.expire(self->clock().now())) {
    count(self, "deadline");
    answer_online(self, key,
                  make_error(errc::deadline_passed,
                             "no answer within the request's deadline"));
  }
}

// Answers requests past their deadline every 50 ms while any are held
// (so a deadline is met within 50 ms). One sweep rather than a timer per
// request: CAF 0.17's actor clock cancels a request's timeout by a scan of
// every timer it holds, and 16,000 requests' timers (10 s at 1,600/s) made
// that scan a fifth of the coordinator's time.
actor_flow sweep_online(coordinator_pointer self) {
  constexpr auto every = std::chrono::milliseconds(50);
  self->state.online_sweeping = true;
  while (self->state.online.requests() > 0) {
    auto pause = after(self, every);
    co_await pause;
    expire_online(self);
  }
  self->state.online_sweeping = false;
}

} // namespace

caf::result<std::vector<prediction>> take_online(coordinator_pointer self,
                                                 online_request& request) {
  auto& st = self->state;
  if (auto err = refused(self, request_kind::infer))
    return err;
  if (st.online.limits().max_bytes == 0)
    return make_error(errc::not_permitted,
                      "this coordinator takes no inference requests");
  if (auto err = check_online(st, request))
    return refuse(self, "invalid", std::move(err));
  auto model = online_model(st, request.model);
  if (!model)
    return refuse(self,
                  model.error().code()
                      == static_cast<uint8_t>(errc::model_unserved)
                    ? "unserved"
                    : "invalid",
                  std::move(model.error()));
  auto* worker = worker_of(st, model->digest); // served: there is one
  auto classes = worker ? worker->info.classes : 0;
  for (auto& task : request.tasks) {
    task.attempt = 0;
    task.top_k = classes; // every class's probability, for the answer
    task.known_version.clear();
  }
  auto timeout = std::chrono::milliseconds(std::max<uint32_t>(
    1, request.timeout_ms));
  auto now = self->clock().now();
  auto admitted = st.online.admit(request.key, request.principal,
                                  model->digest, request.tasks, now,
                                  now + timeout);
  using refusal = online_requests::refusal;
  if (admitted.why == refusal::full)
    return refuse(self, "busy", make_error(errc::busy, admitted.reason));
  if (admitted.why != refusal::none)
    return refuse(self, "quota",
                  make_error(errc::over_limit, admitted.reason));
  if (admitted.new_job)
    st.sched.add_job(admitted.job, model->key(), /*online=*/true);
  for (auto& task : request.tasks)
    st.sched.push(std::move(task));
  auto promise = self->make_response_promise<std::vector<prediction>>();
  st.online_waiting.emplace(request.key, promise);
  if (!st.online_sweeping)
    sweep_online(self);
  pump(self);
  return promise;
}

void abandon_online(coordinator_pointer self, uint64_t key) {
  if (refused(self, request_kind::infer))
    return;
  if (self->state.online.drop(key)) { // its queued tasks are skipped
    count(self, "abandoned");
    answer_online(self, key,
                  make_error(errc::deadline_passed, "its client went away"));
  }
}

void record_online(coordinator_pointer self, prediction row,
                   const std::string& digest) {
  if (auto* worker = worker_of(self->state, digest))
    row.model = worker->model.label();
  if (auto done = self->state.online.record(std::move(row))) {
    auto failed = std::any_of(done->rows.begin(), done->rows.end(),
                              [](const prediction& p) { return !p.ok(); });
    count(self, failed ? "error" : "ok", done->admitted);
    answer_online(self, done->key, std::move(done->rows));
  }
}

void online_dispatched(coordinator_pointer self,
                       const std::vector<image_task>& tasks) {
  auto& st = self->state;
  if (tasks.empty() || !online_requests::is_online(tasks.front().job))
    return;
  auto now = self->clock().now();
  for (auto& task : tasks)
    if (auto waited = st.online.dispatched(task.job, task.index, now))
      if (st.options.metrics)
        st.options.metrics->inference_waited(
          std::chrono::duration<double>(*waited).count());
}

std::vector<served_model> served_model_list(const coordinator_state& st) {
  std::map<std::string, served_model> models; // by name@version
  for (auto& [addr, registered] : st.workers) {
    auto& w = registered.entry;
    auto& m = models[w.model.label()];
    if (m.name.empty()) {
      m.name = w.model.name;
      m.version = std::to_string(w.model.version);
      m.classes = w.info.classes;
      m.width = w.info.width;
      m.height = w.info.height;
      m.channels = w.info.channels;
      m.labels = w.info.labels;
    }
    if (!w.drained && w.handle)
      ++m.workers;
  }
  std::vector<served_model> out;
  for (auto& [label, m] : models)
    out.push_back(std::move(m));
  return out;
}

} // namespace fovea::coordinator_parts
