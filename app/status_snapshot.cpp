#include "app/status_snapshot.hpp"

#include <ctime>

namespace fovea {

void read_status(std::shared_ptr<status_gateway> gateway, uint64_t events_after,
                 std::function<void(caf::expected<status_snapshot>)> done) {
  auto snapshot = std::make_shared<status_snapshot>();
  auto fail = [done](const caf::error& err) { done(err); };
  gateway->nodes([=](caf::expected<std::vector<node_row>> nodes) {
    if (!nodes)
      return fail(nodes.error());
    snapshot->nodes = std::move(*nodes);
    gateway->jobs([=](caf::expected<std::vector<job_row>> jobs) {
      if (!jobs)
        return fail(jobs.error());
      snapshot->jobs = std::move(*jobs);
      gateway->models([=](caf::expected<std::vector<served_model>> models) {
        if (!models)
          return fail(models.error());
        snapshot->models = std::move(*models);
        gateway->events(events_after,
                        [=](caf::expected<std::vector<cluster_event>> events) {
                          if (!events)
                            return fail(events.error());
                          snapshot->events = std::move(*events);
                          gateway->queue([=](caf::expected<queue_view> queue) {
                            if (!queue)
                              return fail(queue.error());
                            snapshot->queue = *queue;
                            snapshot->now =
                                static_cast<int64_t>(std::time(nullptr));
                            done(std::move(*snapshot));
                          });
                        });
      });
    });
  });
}

} // namespace fovea
