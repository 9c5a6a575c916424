#include "storage/s3_listing.hpp"

#include <deque>
#include <future>
#include <sstream>

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>

#include "messages/errors.hpp"
#include "storage/http_reads.hpp"
#include "storage/s3_reference.hpp"

namespace fovea {

namespace {

constexpr uint64_t max_page_bytes = 16u << 20; // 1,000 keys of 1 KiB, XML
constexpr uint32_t page_retries = 4;

} // namespace

struct s3_listing::impl {
  storage_settings settings;
  s3_endpoint endpoint;
  aws_credentials credentials;
  s3_object prefix;
  std::string token; ///< the next page's continuation token
  bool last = false; ///< no page after the ones held
  std::deque<s3_listed> page;
  http_reads http{1};

  get_request page_request() const {
    auto target = s3_get_target(endpoint, s3_object{prefix.bucket, ""});
    // A bucket's listing is "/BUCKET" path-style ("/BUCKET/" names the
    // object with the empty key to some stores), "/" virtual-hosted.
    if (target.request.path.size() > 1 && target.request.path.back() == '/') {
      target.request.path.pop_back();
      target.url.pop_back();
    }
    auto request = target.request;
    request.query = {{"list-type", "2"}, {"prefix", prefix.key}};
    if (!token.empty())
      request.query.emplace_back("continuation-token", token);
    s3_sign_now(request, credentials, settings.s3_region);
    get_request get;
    get.url = target.url + "?" + sigv4_query(request.query);
    get.max_bytes = max_page_bytes;
    get.allow_plain_http = endpoint.scheme == "http";
    get.ca_file = settings.ca_file;
    get.headers = std::move(request.headers);
    return get;
  }

  get_response get_page() {
    get_response response;
    for (uint32_t attempt = 0; attempt <= page_retries; ++attempt) {
      auto request = page_request();
      if (attempt > 0)
        request.not_before = std::chrono::steady_clock::now() +
                             std::chrono::milliseconds(250 << (attempt - 1));
      std::promise<get_response> answered;
      auto answer = answered.get_future();
      http.get(std::move(request), [&answered](get_response r) {
        answered.set_value(std::move(r));
      });
      response = answer.get();
      if (!response.transient)
        break;
    }
    return response;
  }
};

caf::expected<std::unique_ptr<s3_listing>>
s3_listing::open(const storage_settings& settings, const std::string& prefix) {
  auto state = std::make_unique<impl>();
  state->settings = settings;
  if (settings.s3_endpoint.empty())
    return make_error(errc::invalid_request,
                      prefix +
                          ": listing an S3 prefix needs fovea.s3-endpoint");
  auto endpoint =
      parse_s3_endpoint(settings.s3_endpoint, settings.s3_path_style);
  if (!endpoint)
    return endpoint.error();
  state->endpoint = std::move(*endpoint);
  auto object = parse_s3_reference(prefix);
  if (!object)
    return object.error();
  state->prefix = std::move(*object);
  auto credentials = s3_credentials(settings.s3_credentials);
  if (!credentials)
    return make_error(errc::invalid_request,
                      prefix + ": " + describe(credentials.error()));
  state->credentials = std::move(*credentials);
  return std::unique_ptr<s3_listing>{new s3_listing(std::move(state))};
}

s3_listing::s3_listing(std::unique_ptr<impl> state) : impl_(std::move(state)) {
}

s3_listing::~s3_listing() = default;

bool s3_listing::fetch_page() {
  auto& st = *impl_;
  auto where = "s3://" + st.prefix.bucket + "/" + st.prefix.key;
  auto response = st.get_page();
  if (auto problem = http_problem(response); !problem.empty()) {
    error_ = where + ": listing failed: " + problem;
    return false;
  }
  try {
    std::istringstream in{
        std::string{response.body.begin(), response.body.end()}};
    boost::property_tree::ptree tree;
    boost::property_tree::read_xml(in, tree);
    auto& result = tree.get_child("ListBucketResult");
    for (auto& [name, child] : result) {
      if (name != "Contents")
        continue;
      auto key = child.get<std::string>("Key");
      if (key.empty() || key.back() == '/')
        continue; // a "folder" marker, no image
      st.page.push_back({"s3://" + st.prefix.bucket + "/" + key,
                         child.get<uint64_t>("Size", 0),
                         child.get<std::string>("ETag", "")});
    }
    auto truncated = result.get<std::string>("IsTruncated", "false") == "true";
    st.token = result.get<std::string>("NextContinuationToken", "");
    st.last = !truncated || st.token.empty();
  } catch (const std::exception& e) {
    error_ = where +
             ": the store's listing is not one ListObjectsV2 "
             "answers with (" +
             std::string{e.what()} + ")";
    return false;
  }
  return true;
}

bool s3_listing::next(s3_listed& object) {
  auto& st = *impl_;
  while (st.page.empty()) {
    if (st.last || !error_.empty())
      return false;
    if (!fetch_page())
      return false;
  }
  object = std::move(st.page.front());
  st.page.pop_front();
  return true;
}

} // namespace fovea
