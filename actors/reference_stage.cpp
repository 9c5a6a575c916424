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
            [handle, id](std::vector<image_task> read, std::string outage) {
              caf::anon_send(handle, fetched_atom::value, id, std::move(read),
                             std::move(outage));
            });
        return promise;
      },
      [self](fetched_atom, uint64_t id, std::vector<image_task>& tasks,
             std::string& outage) {
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
        self->request(st.next, caf::infinite, classify_atom::value,
                      std::move(tasks))
            .then(
                [promise](std::vector<prediction>& rows) mutable {
                  promise.deliver(std::move(rows));
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
