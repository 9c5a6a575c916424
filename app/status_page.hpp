// status_page: the coordinator's status page at `/` of its HTTP front
// (workers, jobs, models, the queue, recent events),
// rendered on the server from the rows the status API serves, so it reads
// as plain tables without JavaScript; app/status_assets/status.js then
// refreshes it every second from /api/v1/... and draws the rate charts.
//
// Guarantees:
// - every piece of text that comes from a node, a client or a model (ids,
//   hosts, job names, owners, notes) is HTML-escaped (html_escape);
// - the page loads nothing from elsewhere: its script and style are
//   compiled into the binary and served from /assets/ of the same front,
//   and its Content-Security-Policy (status_page_policy) allows only
//   those, no inline script, no frames;
// - the cancel and drain buttons appear only for a viewer whose
//   certificate may use them (an operator's over HTTPS): the page says so
//   in `data-can-change`, and the API checks again.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "app/status_snapshot.hpp"

namespace fovea {

/// `&`, `<`, `>`, `"` and `'` as character references.
std::string html_escape(std::string_view text);

/// The whole page; `can_change` shows cancel and drain.
std::string status_page_html(const status_snapshot& snapshot,
                             bool can_change);

/// The Content-Security-Policy of the page and its assets.
const char* status_page_policy();

/// The compiled-in assets, by name ("status.js", "status.css"): their text
/// and content type; empty text for an unknown name.
struct status_asset {
  std::string_view text;
  const char* content_type = "";
};
status_asset find_status_asset(std::string_view name);

} // namespace fovea
