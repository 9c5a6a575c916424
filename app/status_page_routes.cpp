#include "app/status_page_routes.hpp"

#include <memory>
#include <string_view>

#include "app/status_http.hpp"
#include "app/status_page.hpp"
#include "app/status_snapshot.hpp"
#include "messages/errors.hpp"

namespace fovea {

namespace {

http_answer page_answer(unsigned status, std::string body,
                        const char* content_type) {
  http_answer answer;
  answer.status = status;
  answer.content_type = content_type;
  answer.body = std::move(body);
  answer.headers = {{"Content-Security-Policy", status_page_policy()},
                    {"X-Content-Type-Options", "nosniff"},
                    {"Referrer-Policy", "no-referrer"}};
  return answer;
}

// The page: rendered from one snapshot of everything it shows.
void answer_page(const std::shared_ptr<status_gateway>& gateway,
                 const http_request& request, const http_responder& respond) {
  auto can_change = request.who.role == peer_role::operator_;
  read_status(gateway, 0, [=](caf::expected<status_snapshot> snapshot) {
    if (!snapshot) {
      respond(page_answer(http_status_of(snapshot.error()),
                          "<!DOCTYPE html><title>fovea</title><p>" +
                              html_escape(describe(snapshot.error())) +
                              "</p>\n",
                          "text/html; charset=utf-8"));
      return;
    }
    respond(page_answer(200, status_page_html(*snapshot, can_change),
                        "text/html; charset=utf-8"));
  });
}

http_answer answer_asset(const http_request& request) {
  constexpr std::string_view prefix = "/assets/";
  auto asset =
      find_status_asset(std::string_view{request.path}.substr(prefix.size()));
  if (asset.text.empty())
    return page_answer(404, "no such asset\n", "text/plain; charset=utf-8");
  return page_answer(200, std::string{asset.text}, asset.content_type);
}

} // namespace

std::vector<http_route>
status_page_routes(std::shared_ptr<status_gateway> gateway) {
  std::vector<http_route> routes;
  http_route page;
  page.path = "/";
  page.roles = status_reader_roles();
  page.answer_later = [gateway](http_request request, http_responder respond) {
    answer_page(gateway, request, respond);
  };
  routes.push_back(std::move(page));
  http_route assets;
  assets.path = "/assets/";
  assets.prefix = true;
  assets.roles = status_reader_roles();
  assets.handler = answer_asset;
  routes.push_back(std::move(assets));
  return routes;
}

} // namespace fovea
