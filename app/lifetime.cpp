#include "app/lifetime.hpp"

#include <csignal>
#include <pthread.h>
#include <thread>

#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/system_messages.hpp>

namespace fovea {

namespace {

// SIGUSR1 is fovea's own wake-up call for the signal thread when the main
// actor ended first; it is blocked with the others so it never kills us.
sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);
  return set;
}

} // namespace

void block_shutdown_signals() {
  auto set = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

caf::error wait_for_end(caf::actor_system& sys, const caf::actor& main_actor,
                        std::function<void()> gently) {
  return wait_for_end(sys, std::vector<caf::actor>{main_actor},
                      std::move(gently));
}

caf::error wait_for_end(caf::actor_system& sys,
                        const std::vector<caf::actor>& actors,
                        std::function<void()> gently) {
  std::thread signal_thread{[actors, gently] {
    auto set = shutdown_signals();
    int signal = 0;
    sigwait(&set, &signal);
    if (signal != SIGUSR1 && gently) {
      gently();
      sigwait(&set, &signal);
    }
    if (signal != SIGUSR1)
      for (auto& actor : actors)
        caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  }};
  caf::error reason;
  {
    caf::scoped_actor self{sys};
    for (auto& actor : actors)
      self->monitor(actor);
    for (size_t ended = 0; ended < actors.size(); ++ended)
      self->receive([&](caf::down_msg& msg) {
        if (!reason || reason == caf::exit_reason::user_shutdown)
          reason = std::move(msg.reason);
      });
  }
  pthread_kill(signal_thread.native_handle(), SIGUSR1);
  signal_thread.join();
  return reason;
}

} // namespace fovea
