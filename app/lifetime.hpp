// How a fovea process ends: on SIGINT/SIGTERM, or when its main actor does.
#pragma once

#include <functional>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/error.hpp>

namespace fovea {

/// Blocks SIGINT and SIGTERM for the calling thread and every thread it
/// starts later. Call before the actor system exists, so that only
/// wait_for_end() ever sees those signals.
void block_shutdown_signals();

/// Waits until a shutdown signal arrives (then asks `main_actor` to exit
/// and waits for it) or `main_actor` ends by itself. Returns its exit
/// reason; user_shutdown means a signal ended it. With `gently`, the first
/// signal calls it instead (to wind down without loss) and only a second
/// one asks `main_actor` to exit at once.
caf::error wait_for_end(caf::actor_system& sys, const caf::actor& main_actor,
                        std::function<void()> gently = {});

/// The same for several actors (a worker serving several models): waits
/// until all of them ended; returns the first reason that is not
/// user_shutdown, if any.
caf::error wait_for_end(caf::actor_system& sys,
                        const std::vector<caf::actor>& actors,
                        std::function<void()> gently = {});

} // namespace fovea
