// A CAF node inside the test process that reaches a real coordinator the
// way fovea's own nodes do: through an edge of its own, with a certificate
// the test made (or none). It sends requests straight to the coordinator,
// so tests can check what the coordinator itself refuses, not what fovea's
// client would not send.
#pragma once

#include <memory>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/remote.hpp"
#include "edge/edge.hpp"
#include "messages/errors.hpp"
#include "messages/interfaces.hpp"
#include "tests/support/actor_fixture.hpp"

namespace fovea::test {

class cluster_peer {
public:
  /// Connects to the coordinator at `address` ("127.0.0.1:PORT") with
  /// `credentials` (null: a plain edge). Check connected() / problem().
  cluster_peer(const std::string& address,
               std::shared_ptr<const tls_credentials> credentials);
  ~cluster_peer();

  bool connected() const noexcept { return coordinator_ != nullptr; }
  const std::string& problem() const noexcept { return problem_; }

  /// The error a request got, as people read it; "" if it succeeded.
  template <class Reply, class... Ts>
  std::string refusal(Ts&&... xs) {
    std::string result = "no reply";
    (*self_)
        ->request(coordinator_, std::chrono::seconds(10),
                  std::forward<Ts>(xs)...)
        .receive([&](Reply&) { result.clear(); },
                 [&](caf::error& err) { result = describe(err); });
    return result;
  }

private:
  std::shared_ptr<edge> edge_;
  test_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::unique_ptr<edge_attachment> attached_;
  std::unique_ptr<caf::scoped_actor> self_;
  coordinator_actor coordinator_;
  std::string problem_;
};

} // namespace fovea::test
