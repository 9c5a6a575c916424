#include "actors/reference_stage.hpp"

#include <algorithm>
#include <unordered_map>

#include <caf/event_based_actor.hpp>

#include "actors/local_types.hpp"
#include "messages/errors.hpp"

namespace fovea {

namespace {

using rows_promise = caf::typed_response_promise<std::vector<prediction>>;

struct stage_state {
  inference_actor next;
  std::shared_ptr<reference_reader> reader;
  std::unordered_map<uint64_t, rows_promise> reading; ///< by read id
  uint64_t last_read = 0;

  static inline const char* name = "fovea.references";
};

caf::behavior reference_stage(caf::stateful_actor<stage_state>* self,
                              inference_actor next,
                              std::shared_ptr<reference_reader> reader) {
  self->link_to(next);
  self->state.next = std::move(next);
  self->state.reader = std::move(reader);
  return {
      [self](classify_atom, std::vector<image_task>& tasks)
          -> caf::result<std::vector<prediction>> {
        auto& st = self->state;
        if (std::none_of(tasks.begin(), tasks.end(),
                         [](auto& t) { return t.is_reference(); }))
          return self->delegate(st.next, classify_atom::value,
                                std::move(tasks));
        auto id = ++st.last_read;
        auto promise = self->make_response_promise<std::vector<prediction>>();
        st.reading.emplace(id, promise);
        // The reader's thread answers with a message: the stage's state is
        // touched on its own thread only.
        auto handle = caf::actor{self};
        st.reader->read(
            std::move(tasks),
            [handle, id](std::vector<image_task> read,
                         std::vector<std::string> versions,
                         std::string outage) {
              caf::anon_send(handle, fetched_atom::value, id, std::move(read),
                             std::move(versions), std::move(outage));
            });
        return promise;
      },
      [self](fetched_atom, uint64_t id, std::vector<image_task>& tasks,
             std::vector<std::string>& versions, std::string& outage) {
        auto& st = self->state;
        auto found = st.reading.find(id);
        if (found == st.reading.end())
          return;
        auto promise = std::move(found->second);
        st.reading.erase(found);
        if (!outage.empty()) {
          promise.deliver(make_error(errc::storage_unavailable, outage));
          return;
        }
        // An object still at its known version is answered here, without
        // the model; the rest are classified, and every row says which
        // version of its object it came from. Rows stay in task order.
        auto answer = std::make_shared<std::vector<prediction>>(tasks.size());
        std::vector<size_t> classified_at;
        std::vector<image_task> to_classify;
        for (size_t i = 0; i < tasks.size(); ++i) {
          auto& task = tasks[i];
          if (!task.known_version.empty() && task.error.empty()
              && versions[i] == task.known_version) {
            auto& row = (*answer)[i];
            row.job = task.job;
            row.index = task.index;
            row.attempt = task.attempt;
            row.path = std::move(task.path);
            row.source_version = std::move(versions[i]);
            row.unchanged = true;
          } else {
            classified_at.push_back(i);
            to_classify.push_back(std::move(task));
          }
        }
        if (to_classify.empty()) {
          promise.deliver(std::move(*answer));
          return;
        }
        self->request(st.next, caf::infinite, classify_atom::value,
                      std::move(to_classify))
            .then(
                [promise, answer, classified_at = std::move(classified_at),
                 versions = std::move(versions)](
                    std::vector<prediction>& rows) mutable {
                  if (rows.size() != classified_at.size()) {
                    promise.deliver(make_error(
                        errc::invalid_request,
                        "the model answered " + std::to_string(rows.size())
                            + " rows for "
                            + std::to_string(classified_at.size())
                            + " images"));
                    return;
                  }
                  for (size_t k = 0; k < rows.size(); ++k) {
                    auto at = classified_at[k];
                    rows[k].source_version = std::move(versions[at]);
                    (*answer)[at] = std::move(rows[k]);
                  }
                  promise.deliver(std::move(*answer));
                },
                [promise](caf::error& err) mutable {
                  promise.deliver(std::move(err));
                });
      },
  };
}

} // namespace

inference_actor
spawn_reference_stage(caf::actor_system& sys, inference_actor next,
                      std::shared_ptr<reference_reader> reader) {
  auto stage = sys.spawn(reference_stage, std::move(next), std::move(reader));
  return caf::actor_cast<inference_actor>(stage);
}

} // namespace fovea
