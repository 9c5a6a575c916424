// batch_cpu_scope: marks the calling thread's CPU work as batch work
// (Linux's SCHED_BATCH) for the scope's life, then returns it to
// SCHED_OTHER.
//
// Why: a jobs' forward pass is long, CPU-bound work that no one waits on
// by the millisecond; an inference request's hops (the front, the gateway,
// the coordinator, BASP) are short and someone is waiting. A SCHED_BATCH
// thread does not preempt others when it wakes, so on cores the two share
// the short hops get their turn first. Nice values would do more, but an
// unprivileged thread cannot lower its nice again afterwards; switching
// between SCHED_OTHER and SCHED_BATCH needs no privilege.
//
// Guarantees: never throws and never fails the caller; it changes only a
// thread under the default policy (SCHED_OTHER) and puts it back there, so
// a policy an administrator chose (systemd's CPUSchedulingPolicy=, say)
// stays; if the policy cannot be set, the scope does nothing.
#pragma once

namespace fovea {

class batch_cpu_scope {
public:
  batch_cpu_scope() noexcept;
  ~batch_cpu_scope();
  batch_cpu_scope(const batch_cpu_scope&) = delete;
  batch_cpu_scope& operator=(const batch_cpu_scope&) = delete;

private:
  bool set_ = false;
};

} // namespace fovea
