// The edge of a fovea process, made from its config: TLS with the node's
// checked certificate when fovea.certificate is set, plain otherwise, or
// none with fovea.edge = false (CAF faces the network itself, for
// measurements on loopback).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <caf/expected.hpp>

#include "app/fovea_config.hpp"
#include "edge/edge.hpp"

namespace fovea {

/// What a process is to its cluster: which certificate roles it may use.
enum class node_kind {
  coordinator, ///< role coordinator
  worker,      ///< role worker
  client,      ///< fovea submit: role client or operator
  console,     ///< fovea shell and fovea run: role operator or client
};

/// Checks the TLS files (before anything listens) and that the
/// certificate's role suits `kind`, then starts the edge; null with
/// fovea.edge = false. Errors (bad_config) name the file and the reason.
caf::expected<std::shared_ptr<edge>>
start_edge(const fovea_config& cfg, node_kind kind,
           std::function<void(const std::string&)> say);

/// start_edge for the command `who` ("fovea submit"): a problem is said on
/// stderr as "who: ..." and gives nothing (exit 2); the edge's own lines
/// go to `log` (stderr, "who: ...", if none is given).
std::optional<std::shared_ptr<edge>>
open_edge(const fovea_config& cfg, node_kind kind, const std::string& who,
          std::function<void(const std::string&)> log = {});

/// True for 127.0.0.0/8 and ::1 (and names that resolve only there, such
/// as localhost); false for 0.0.0.0, ::, and every other address.
bool is_loopback(const std::string& host);

/// One line saying how a node's edge talks: TLS with which certificate and
/// CA, or plain.
std::string describe_edge(const fovea_config& cfg, const edge* e);

} // namespace fovea
