#include "storage/http_reads.hpp"

#include <curl/curl.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace fovea {

// Named, not anonymous: http_reads::impl holds these (and the unity build
// joins this file with others that have helpers of the same names).
namespace http_reads_detail {

// libcurl's global state, set up once before the first reader and never
// torn down (other threads' handles may outlive any one reader).
void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// How long a transfer may take: to connect, and in all. A slow store is
// retried by the caller; a stuck one must not hold a slot forever.
constexpr long connect_timeout_ms = 5'000;
constexpr long transfer_timeout_ms = 60'000;

struct transfer {
  get_request request;
  http_reads::callback done;
  get_response response;
  curl_slist* headers = nullptr;
  CURL* easy = nullptr;
};

std::string lower(std::string text) {
  for (auto& c : text)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string trimmed(std::string text) {
  while (!text.empty() &&
         (text.back() == '\r' || text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  auto first = text.find_first_not_of(' ');
  return first == std::string::npos ? std::string{} : text.substr(first);
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<transfer*>(user);
  auto n = size * count;
  if (t.response.body.size() + n > t.request.max_bytes) {
    t.response.too_large = true;
    return 0; // aborts the transfer: nothing past the bound is held
  }
  t.response.body.insert(t.response.body.end(), data, data + n);
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<transfer*>(user);
  auto n = size * count;
  std::string line{data, n};
  auto colon = line.find(':');
  if (colon == std::string::npos)
    return n;
  auto name = lower(line.substr(0, colon));
  if (name == "etag")
    t.response.etag = trimmed(line.substr(colon + 1));
  else if (name == "location")
    t.response.location = trimmed(line.substr(colon + 1));
  return n;
}

bool transient_curl_error(CURLcode code) {
  switch (code) {
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_CONNECT:
  case CURLE_OPERATION_TIMEDOUT:
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_GOT_NOTHING:
  case CURLE_PARTIAL_FILE:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
    return true;
  default:
    return false;
  }
}

} // namespace http_reads_detail

using namespace http_reads_detail;

struct http_reads::impl {
  explicit impl(size_t max) : max_in_flight(max == 0 ? 1 : max) {
    init_curl_once();
    multi = curl_multi_init();
    thread = std::thread([this] { run(); });
  }

  ~impl() {
    stopping = true;
    curl_multi_wakeup(multi);
    thread.join();
    curl_multi_cleanup(multi);
  }

  void get(get_request request, callback done) {
    auto t = std::make_unique<transfer>();
    t->request = std::move(request);
    t->done = std::move(done);
    {
      std::lock_guard<std::mutex> guard{lock};
      if (t->request.not_before != std::chrono::steady_clock::time_point{})
        waiting.push_front(std::move(t));
      else
        waiting.push_back(std::move(t));
    }
    curl_multi_wakeup(multi);
  }

  void start(std::unique_ptr<transfer> t) {
    auto* easy = curl_easy_init();
    t->easy = easy;
    auto& r = t->request;
    curl_easy_setopt(easy, CURLOPT_URL, r.url.c_str());
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR,
                     r.allow_plain_http ? "http,https" : "https");
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, transfer_timeout_ms);
    curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE,
                     static_cast<curl_off_t>(r.max_bytes));
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!r.ca_file.empty())
      curl_easy_setopt(easy, CURLOPT_CAINFO, r.ca_file.c_str());
    for (auto& [name, value] : r.headers)
      t->headers = curl_slist_append(t->headers, (name + ": " + value).c_str());
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, t.get());
    curl_multi_add_handle(multi, easy);
    running.emplace(easy, std::move(t));
  }

  void finish(CURL* easy, CURLcode code) {
    auto found = running.find(easy);
    auto t = std::move(found->second);
    running.erase(found);
    curl_multi_remove_handle(multi, easy);
    auto& response = t->response;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &response.status);
    if (code == CURLE_FILESIZE_EXCEEDED)
      response.too_large = true;
    if (response.too_large) {
      response.body.clear();
      response.error = "more than " + std::to_string(t->request.max_bytes) +
                       " bytes (fovea.max-image-bytes)";
    } else if (code != CURLE_OK) {
      response.status = 0;
      response.body.clear();
      response.error = curl_easy_strerror(code);
      response.transient = transient_curl_error(code);
    } else if (response.status >= 500 || response.status == 429 ||
               response.status == 408) {
      response.transient = true;
    }
    curl_slist_free_all(t->headers);
    curl_easy_cleanup(easy);
    t->done(std::move(response));
  }

  void run() {
    while (!stopping) {
      auto wait_ms = start_ready();
      int still = 0;
      curl_multi_perform(multi, &still);
      int left = 0;
      while (auto* msg = curl_multi_info_read(multi, &left))
        if (msg->msg == CURLMSG_DONE)
          finish(msg->easy_handle, msg->data.result);
      curl_multi_poll(multi, nullptr, 0, wait_ms, nullptr);
    }
    // Whatever is left is answered, so that no caller waits forever.
    for (auto& [easy, t] : running) {
      curl_multi_remove_handle(multi, easy);
      curl_slist_free_all(t->headers);
      curl_easy_cleanup(easy);
      get_response stopped;
      stopped.error = "the reader stopped";
      t->done(std::move(stopped));
    }
    running.clear();
    std::deque<std::unique_ptr<transfer>> left;
    {
      std::lock_guard<std::mutex> guard{lock};
      left.swap(waiting);
    }
    for (auto& t : left) {
      get_response stopped;
      stopped.error = "the reader stopped";
      t->done(std::move(stopped));
    }
  }

  // Starts what waits and is due, in order, while slots are free; returns
  // how long to poll before something else falls due (ms).
  int start_ready() {
    auto now = std::chrono::steady_clock::now();
    int wait_ms = 1000;
    std::vector<std::unique_ptr<transfer>> unwanted;
    {
      std::lock_guard<std::mutex> guard{lock};
      for (auto it = waiting.begin();
           it != waiting.end() && running.size() < max_in_flight;) {
        auto& request = (*it)->request;
        if (request.still_wanted && !request.still_wanted()) {
          unwanted.push_back(std::move(*it));
          it = waiting.erase(it);
          continue;
        }
        if (request.not_before > now) {
          auto ms = std::chrono::ceil<std::chrono::milliseconds>(
              request.not_before - now);
          wait_ms = std::min<int>(wait_ms, static_cast<int>(ms.count()));
          ++it;
          continue;
        }
        start(std::move(*it));
        it = waiting.erase(it);
      }
    }
    // Outside the lock: a callback may queue another request.
    for (auto& t : unwanted) {
      get_response skipped;
      skipped.skipped = true;
      skipped.error = "not started";
      t->done(std::move(skipped));
    }
    return unwanted.empty() ? wait_ms : 0;
  }

  const size_t max_in_flight;
  CURLM* multi = nullptr;
  std::atomic<bool> stopping{false};
  std::mutex lock;
  std::deque<std::unique_ptr<transfer>> waiting; ///< guarded by lock
  std::unordered_map<CURL*, std::unique_ptr<transfer>> running; ///< thread's
  std::thread thread;
};

http_reads::http_reads(size_t max_in_flight)
    : impl_(std::make_unique<impl>(max_in_flight)) {
}

http_reads::~http_reads() = default;

void http_reads::get(get_request request, callback done) {
  impl_->get(std::move(request), std::move(done));
}

std::string http_problem(const get_response& response) {
  if (!response.error.empty())
    return response.error;
  auto status = response.status;
  if (status == 200)
    return {};
  if (status >= 300 && status < 400)
    return "redirected (" + std::to_string(status) + ") to " +
           (response.location.empty() ? "nowhere"
                                      : response.location.substr(0, 200)) +
           ", which is not followed";
  std::string why = "the server answered " + std::to_string(status);
  // S3 names its error in an XML body: <Code>NoSuchKey</Code>.
  std::string body{response.body.begin(), response.body.end()};
  auto open = body.find("<Code>");
  auto close = body.find("</Code>");
  if (open != std::string::npos && close != std::string::npos && close > open &&
      close - open < 80)
    why += " (" + body.substr(open + 6, close - open - 6) + ")";
  return why;
}

} // namespace fovea
