#include "storage/reference_reader.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "messages/errors.hpp"
#include "messages/prediction.hpp"
#include "storage/http_reads.hpp"
#include "storage/https_reference.hpp"
#include "storage/s3_reference.hpp"
#include "storage/shared_roots.hpp"

namespace fovea {

// Named, not anonymous: reference_reader::impl holds these.
namespace reference_reader_detail {

constexpr auto first_backoff = std::chrono::milliseconds(250);

// The reads of one batch: each settles its own task; the last one to
// settle hands the batch on.
struct batch_read {
  std::vector<image_task> tasks;
  std::vector<std::string> versions; ///< in step with tasks
  reference_reader::done_fn done;
  std::atomic<size_t> remaining{0};
  std::mutex lock;
  std::string outage; ///< guarded by lock; the first one seen

  void settle() {
    if (--remaining > 0)
      return;
    std::string why;
    {
      std::lock_guard<std::mutex> guard{lock};
      why = outage;
    }
    done(std::move(tasks), std::move(versions), std::move(why));
  }

  void unavailable(std::string why) {
    std::lock_guard<std::mutex> guard{lock};
    if (outage.empty())
      outage = std::move(why);
  }

  bool has_outage() {
    std::lock_guard<std::mutex> guard{lock};
    return !outage.empty();
  }
};

// The stores that did not answer a read through all its tries, until one
// of theirs answers again: while one is down, a read of it that fails is
// not tried again, so a worker holding many batches learns of an outage
// in the time of one read's tries, not of all of them in turn.
class down_stores {
public:
  bool down(const std::string& store) {
    std::lock_guard<std::mutex> guard{lock_};
    return stores_.count(store) > 0;
  }
  void mark(const std::string& store) {
    std::lock_guard<std::mutex> guard{lock_};
    stores_.insert(store);
  }
  void answered(const std::string& store) {
    std::lock_guard<std::mutex> guard{lock_};
    stores_.erase(store);
  }

private:
  std::mutex lock_;
  std::set<std::string> stores_;
};

// Blocking reads (shared file systems) on a few threads of their own, so
// that a slow mount delays its reads, not the HTTP ones or the actors.
class blocking_pool {
public:
  explicit blocking_pool(size_t threads) {
    for (size_t i = 0; i < threads; ++i)
      threads_.emplace_back([this] { run(); });
  }

  ~blocking_pool() {
    {
      std::lock_guard<std::mutex> guard{lock_};
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_)
      t.join();
  }

  void post(std::function<void()> work) {
    {
      std::lock_guard<std::mutex> guard{lock_};
      queue_.push_back(std::move(work));
    }
    wake_.notify_one();
  }

private:
  void run() {
    for (;;) {
      std::function<void()> work;
      {
        std::unique_lock<std::mutex> guard{lock_};
        wake_.wait(guard, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty())
          return; // stopping, and nothing left: every read was settled
        work = std::move(queue_.front());
        queue_.pop_front();
      }
      work();
    }
  }

  std::mutex lock_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

} // namespace reference_reader_detail

using namespace reference_reader_detail;

struct reference_reader::impl {
  storage_settings settings;
  std::optional<shared_roots> roots;
  std::optional<s3_endpoint> endpoint;
  aws_credentials credentials;
  down_stores down;
  // Declared last: destroyed first, settling what is in flight while the
  // members above are still there.
  std::unique_ptr<http_reads> http;
  std::unique_ptr<blocking_pool> blocking;

  void read_shared(const std::shared_ptr<batch_read>& batch, size_t i) {
    if (!roots) {
      batch->tasks[i].error = "refused: this worker reads no shared files "
                              "(fovea.shared-roots is empty)";
      batch->settle();
      return;
    }
    blocking->post([this, batch, i] {
      auto& task = batch->tasks[i];
      task.error = roots->read(task.path, settings.max_image_bytes, task.bytes,
                               &batch->versions[i], task.known_version);
      task.reference = reference_kind::none; // read: its bytes are in it
      batch->settle();
    });
  }

  // GETs `request`, again after a backoff while the store does not answer.
  void fetch(const std::shared_ptr<batch_read>& batch, size_t i,
             std::function<get_request()> make, uint32_t attempt,
             std::string store) {
    if (batch->has_outage()) { // the batch goes back unread anyway
      batch->settle();
      return;
    }
    auto request = make();
    request.still_wanted = [batch] { return !batch->has_outage(); };
    if (attempt > 0)
      request.not_before = std::chrono::steady_clock::now() +
                           first_backoff * (1 << (attempt - 1));
    http->get(std::move(request),
              [this, batch, i, make, attempt, store](get_response response) {
                auto& task = batch->tasks[i];
                if (response.skipped) { // its batch goes back unread
                  batch->settle();
                  return;
                }
                if (response.transient) {
                  if (attempt < settings.retries && !down.down(store)) {
                    fetch(batch, i, make, attempt + 1, store);
                    return;
                  }
                  down.mark(store);
                  batch->unavailable(store + " does not answer (" +
                                     http_problem(response) + ")");
                  batch->settle();
                  return;
                }
                down.answered(store);
                auto& version = batch->versions[i];
                if (response.status == 304 && !task.known_version.empty()) {
                  version = task.known_version; // If-None-Match held
                } else if (auto problem = http_problem(response);
                           !problem.empty()) {
                  task.error = store + ": " + problem;
                } else {
                  task.bytes = std::move(response.body);
                  if (!response.etag.empty())
                    version = std::move(response.etag);
                }
                task.reference = reference_kind::none; // read
                batch->settle();
              });
  }

  void read_s3(const std::shared_ptr<batch_read>& batch, size_t i) {
    auto& task = batch->tasks[i];
    auto object = parse_s3_reference(task.path);
    if (!object) {
      task.error = describe(object.error());
    } else if (object->is_prefix()) {
      task.error = "an S3 prefix, not an object: a client lists prefixes";
    } else if (!endpoint) {
      task.error = "refused: this worker reads no S3 objects "
                   "(fovea.s3-endpoint is empty)";
    } else if (!s3_bucket_allowed(settings.s3_buckets, object->bucket)) {
      task.error = "refused: bucket " + object->bucket +
                   " is not on this worker's fovea.s3-buckets";
    } else {
      auto make = [this, target = s3_get_target(*endpoint, *object),
                   known = task.known_version] {
        return signed_get(target, known);
      };
      fetch(batch, i, std::move(make), 0, "S3 at " + settings.s3_endpoint);
      return;
    }
    batch->settle();
  }

  // A signed GET; with `known`, only if the object is at another version.
  get_request signed_get(const s3_target& target,
                         const std::string& known) const {
    auto request = target.request;
    if (!known.empty())
      request.headers.emplace_back("if-none-match", known);
    s3_sign_now(request, credentials, settings.s3_region);
    get_request get;
    get.url = target.url;
    get.max_bytes = settings.max_image_bytes;
    get.allow_plain_http = endpoint->scheme == "http";
    get.ca_file = settings.ca_file;
    get.headers = std::move(request.headers);
    return get;
  }

  void read_https(const std::shared_ptr<batch_read>& batch, size_t i) {
    auto& task = batch->tasks[i];
    auto target = parse_https_reference(task.path);
    if (!target) {
      task.error = describe(target.error());
    } else if (!https_host_allowed(settings.http_hosts, *target)) {
      task.error = "refused: " + target->host + ":" +
                   std::to_string(target->port) +
                   " is not on this worker's fovea.http-hosts";
    } else {
      auto make = [this, url = target->url, known = task.known_version] {
        get_request get;
        get.url = url;
        get.max_bytes = settings.max_image_bytes;
        get.ca_file = settings.ca_file;
        if (!known.empty())
          get.headers.emplace_back("If-None-Match", known);
        return get;
      };
      fetch(batch, i, std::move(make), 0, target->host);
      return;
    }
    batch->settle();
  }
};

caf::expected<std::shared_ptr<reference_reader>>
reference_reader::open(const storage_settings& settings) {
  auto state = std::make_unique<impl>();
  state->settings = settings;
  if (!settings.shared_roots.empty()) {
    auto roots = shared_roots::open(settings.shared_roots);
    if (!roots)
      return roots.error();
    state->roots.emplace(std::move(*roots));
  }
  if (!settings.s3_endpoint.empty()) {
    auto endpoint =
        parse_s3_endpoint(settings.s3_endpoint, settings.s3_path_style);
    if (!endpoint)
      return endpoint.error();
    state->endpoint = std::move(*endpoint);
    auto credentials = s3_credentials(settings.s3_credentials);
    if (!credentials)
      return make_error(errc::invalid_request,
                        "fovea.s3-endpoint is set, but " +
                            describe(credentials.error()));
    state->credentials = std::move(*credentials);
  }
  state->http = std::make_unique<http_reads>(settings.reads);
  state->blocking =
      std::make_unique<blocking_pool>(std::min<uint32_t>(settings.reads, 8));
  return std::shared_ptr<reference_reader>{
      new reference_reader(std::move(state))};
}

reference_reader::reference_reader(std::unique_ptr<impl> state)
    : impl_(std::move(state)) {
}

reference_reader::~reference_reader() = default;

void reference_reader::read(std::vector<image_task> tasks, done_fn done) {
  auto batch = std::make_shared<batch_read>();
  batch->tasks = std::move(tasks);
  batch->done = std::move(done);
  // A reference's version is unknown until its object answers.
  batch->versions.resize(batch->tasks.size());
  for (size_t i = 0; i < batch->tasks.size(); ++i)
    if (batch->tasks[i].is_reference())
      batch->versions[i] = unknown_source_version;
  // One extra count, settled last: the batch is not handed on while this
  // loop still starts its reads.
  batch->remaining = batch->tasks.size() + 1;
  for (size_t i = 0; i < batch->tasks.size(); ++i) {
    switch (batch->tasks[i].reference) {
    case reference_kind::shared:
      impl_->read_shared(batch, i);
      break;
    case reference_kind::s3:
      impl_->read_s3(batch, i);
      break;
    case reference_kind::https:
      impl_->read_https(batch, i);
      break;
    default:
      batch->settle(); // its bytes are in the task
    }
  }
  batch->settle();
}

} // namespace fovea
