#include "tests/support/cluster_peer.hpp"

#include <caf/io/middleman.hpp>

#include "actors/remote.hpp"
#include "messages/errors.hpp"

namespace fovea::test {

cluster_peer::cluster_peer(const std::string& address,
                           std::shared_ptr<const tls_credentials> credentials) {
  edge_options options;
  options.credentials = std::move(credentials);
  edge_ = std::make_shared<edge>(std::move(options));
  sys_ = std::make_unique<caf::actor_system>(cfg_);
  attached_ = std::make_unique<edge_attachment>(*sys_, edge_.get());
  self_ = std::make_unique<caf::scoped_actor>(*sys_);
  auto where = parse_endpoint(address);
  if (!where) {
    problem_ = describe(where.error());
    return;
  }
  auto connection = open_connection(*sys_, *where, edge_.get());
  if (!connection) {
    problem_ = describe(connection.error());
    return;
  }
  caf::expected<connect_reply> reply{
      caf::make_error(caf::sec::request_timeout)};
  (*self_)
      ->request(basp_broker_of(*sys_), std::chrono::seconds(10),
                caf::connect_atom::value, std::move(*connection), where->port)
      .receive(
          [&](caf::node_id& node, caf::strong_actor_ptr& handle,
              std::set<std::string>& interface) {
            reply = connect_reply{std::move(node), std::move(handle),
                                  std::move(interface)};
          },
          [&](caf::error& err) { reply = std::move(err); });
  auto found = as_coordinator(*sys_, std::move(reply), *where, edge_.get());
  if (!found) {
    problem_ = describe(found.error());
    return;
  }
  coordinator_ = std::move(*found);
}

cluster_peer::~cluster_peer() {
  coordinator_ = nullptr;
  self_.reset();
  attached_.reset();
  sys_.reset();
}

} // namespace fovea::test
