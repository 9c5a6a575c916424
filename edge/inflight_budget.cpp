#include "edge/inflight_budget.hpp"

namespace fovea {

bool inflight_budget::raise(size_t& held, size_t payload) {
  auto charge = charge_of(payload);
  if (charge <= held)
    return true;
  // Those that asked first go first, except the one being woken now.
  if (!waiters_.empty() && !waking_)
    return false;
  auto more = charge - held;
  if (used_ + more > limit_)
    return false;
  used_ += more;
  held = charge;
  return true;
}

void inflight_budget::release(size_t& held) {
  used_ -= held;
  held = 0;
  wake();
}

void inflight_budget::wait(std::function<bool()> try_again) {
  waiters_.push_back(std::move(try_again));
}

void inflight_budget::wake() {
  if (waking_)
    return;
  waking_ = true;
  while (!waiters_.empty()) {
    auto next = std::move(waiters_.front());
    waiters_.pop_front();
    if (!next()) {
      waiters_.push_front(std::move(next));
      break;
    }
  }
  waking_ = false;
}

} // namespace fovea
