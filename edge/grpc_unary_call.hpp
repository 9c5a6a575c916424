// grpc_unary_call: one unary call served through gRPC's asynchronous
// (completion-queue) API, from its arrival to gRPC's last event for it,
// for a server whose answers come from other threads.
//
// Why not gRPC's callback API: in gRPC 1.51 (Debian 12) a callback
// server's poller threads hand every new call to another thread (its
// executor) before the handler runs, and on a 2-core machine shared with
// the workers each such hop is a context switch. A completion queue is
// polled by the thread that runs the handlers: the call arrives, is read
// and is handed on by one thread (bench/run online measures both).
//
// Guarantees:
// - a call is answered at most once, from any thread (unary_reply::answer
//   and fail), and its context, request and writer live until gRPC's last
//   event for it, so an answer may come at any time before;
// - a call its client cancels, or that the server's shutdown cancels, runs
//   its cancel hook once, on the queue's thread, and is then failed
//   CANCELLED unless it was answered;
// - when a call arrives, the next call of its method is asked for before
//   its handler runs, unless the server is stopping;
// - a server's calls are counted (grpc_call_count), so that it shuts its
//   queues down only once gRPC is done with every call;
// - every event of one queue is handled by that queue's one thread
//   (run_completion_queue), so a call's bookkeeping needs no lock.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>

#include <grpcpp/grpcpp.h>

namespace fovea {

/// A completion-queue tag: what to do when gRPC reports it.
class grpc_event {
public:
  virtual void happened(bool ok) = 0;

protected:
  ~grpc_event() = default;
};

/// Handles `queue`'s events on this thread until it is shut down and
/// drained.
inline void run_completion_queue(grpc::ServerCompletionQueue& queue) {
  void* tag = nullptr;
  bool ok = false;
  while (queue.Next(&tag, &ok))
    static_cast<grpc_event*>(tag)->happened(ok);
}

/// What a server's calls share: whether the server is stopping (then no
/// call asks for the next), and how many calls live. A queue may shut down
/// only when none does: an answer that came late would otherwise start an
/// operation on a shut-down queue, which gRPC aborts on.
class grpc_call_count {
public:
  void stop() { stopping_ = true; }
  bool stopping() const { return stopping_.load(); }
  void added() { live_.fetch_add(1); }
  void removed() {
    if (live_.fetch_sub(1) == 1)
      live_.notify_all();
  }
  /// Returns once no call lives (after the server's Shutdown, every call
  /// is cancelled, failed and finished by the queues' threads).
  void wait_until_none() const {
    for (auto n = live_.load(); n != 0; n = live_.load())
      live_.wait(n);
  }

private:
  std::atomic<bool> stopping_{false};
  std::atomic<int> live_{0};
};

/// The answer of one call, shared with whoever answers it.
template <class Response>
class unary_reply {
public:
  unary_reply(grpc::ServerAsyncResponseWriter<Response>* writer,
              grpc_event* finished)
      : writer_(writer), finished_(finished) {}

  /// Answers with the status `fill(response)` returns (the response is
  /// sent only with OK); false, and `fill` not run, if answered already.
  template <class Fill>
  bool answer(Fill&& fill) {
    std::lock_guard guard{mutex_};
    if (answered_)
      return false;
    answered_ = true;
    grpc::Status status = fill(response_);
    if (status.ok())
      writer_->Finish(response_, status, finished_);
    else
      writer_->FinishWithError(status, finished_);
    return true;
  }

  /// Answers with `status` (not OK); false if answered already.
  bool fail(grpc::Status status) {
    return answer([&](Response&) { return std::move(status); });
  }

  /// Runs `read()` unless the call is answered: gRPC may free the call's
  /// request once it is, so a late reader reads it only through here.
  template <class Read>
  bool while_open(Read&& read) {
    std::lock_guard guard{mutex_};
    if (answered_)
      return false;
    read();
    return true;
  }

  /// `hook` runs if the call is cancelled; false (and `hook` not kept)
  /// if it was cancelled already, in which case the caller does what
  /// `hook` would have.
  bool on_cancel(std::function<void()> hook) {
    std::lock_guard guard{mutex_};
    if (cancelled_)
      return false;
    cancel_hook_ = std::move(hook);
    return true;
  }

  /// The call was cancelled: runs the hook, then fails it.
  void cancel() {
    std::function<void()> hook;
    {
      std::lock_guard guard{mutex_};
      cancelled_ = true;
      hook.swap(cancel_hook_);
    }
    if (hook)
      hook();
    fail(grpc::Status::CANCELLED);
  }

private:
  std::mutex mutex_;
  bool answered_ = false;
  bool cancelled_ = false;
  std::function<void()> cancel_hook_;
  Response response_;
  grpc::ServerAsyncResponseWriter<Response>* writer_;
  grpc_event* finished_;
};

/// One call of a unary method of `Service`: asks gRPC for it on
/// construction (start()), and deletes itself after gRPC's last event.
template <class Service, class Request, class Response>
class grpc_unary_call {
public:
  using ask_fn = void (Service::*)(grpc::ServerContext*, Request*,
                                   grpc::ServerAsyncResponseWriter<Response>*,
                                   grpc::CompletionQueue*,
                                   grpc::ServerCompletionQueue*, void*);
  /// Runs on the queue's thread when a call arrives; answers through the
  /// reply, now or later. `request` lives while the reply is open.
  using handler_fn =
      std::function<void(grpc::ServerContext&, const Request&,
                         const std::shared_ptr<unary_reply<Response>>&)>;

  /// Asks gRPC for the next call of `ask` on `queue`.
  static void start(Service& service, ask_fn ask,
                    std::shared_ptr<const handler_fn> handler,
                    grpc::ServerCompletionQueue& queue,
                    grpc_call_count& count) {
    auto* call =
        new grpc_unary_call(service, ask, std::move(handler), queue, count);
    call->context_.AsyncNotifyWhenDone(&call->done_);
    (service.*ask)(&call->context_, &call->request_, &call->writer_, &queue,
                   &queue, &call->arrived_);
  }

private:
  grpc_unary_call(Service& service, ask_fn ask,
                  std::shared_ptr<const handler_fn> handler,
                  grpc::ServerCompletionQueue& queue, grpc_call_count& count)
      : counted_(count), service_(service), ask_(ask),
        handler_(std::move(handler)), queue_(queue),
        reply_(std::make_shared<unary_reply<Response>>(&writer_, &finished_)) {}

  struct event final : grpc_event {
    event(grpc_unary_call* c, void (grpc_unary_call::*f)(bool))
        : call(c), fn(f) {}
    void happened(bool ok) override { (call->*fn)(ok); }
    grpc_unary_call* call;
    void (grpc_unary_call::*fn)(bool);
  };

  void arrived(bool ok) {
    if (!ok) { // the server stopped before a call came: no other event
      delete this;
      return;
    }
    if (!counted_.count.stopping())
      start(service_, ask_, handler_, queue_, counted_.count);
    events_left_ = 2; // done_ and finished_
    (*handler_)(context_, request_, reply_);
  }

  void done(bool) {
    if (context_.IsCancelled())
      reply_->cancel();
    last_event();
  }

  void finished(bool) { last_event(); }

  void last_event() {
    if (--events_left_ == 0)
      delete this;
  }

  // Counts the call while it lives; declared first, so that it is
  // destroyed last, after the call's gRPC objects.
  struct counted {
    explicit counted(grpc_call_count& c) : count(c) { count.added(); }
    ~counted() { count.removed(); }
    grpc_call_count& count;
  };

  counted counted_;
  Service& service_;
  ask_fn ask_;
  std::shared_ptr<const handler_fn> handler_;
  grpc::ServerCompletionQueue& queue_;
  grpc::ServerContext context_;
  Request request_;
  grpc::ServerAsyncResponseWriter<Response> writer_{&context_};
  event arrived_{this, &grpc_unary_call::arrived};
  event done_{this, &grpc_unary_call::done};
  event finished_{this, &grpc_unary_call::finished};
  int events_left_ = 0; ///< after arrival: gRPC's events still to come
  std::shared_ptr<unary_reply<Response>> reply_;
};

} // namespace fovea
