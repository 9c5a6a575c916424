// The status page as the server renders it: plain tables that read without
// script, every piece of the cluster's text escaped, assets compiled in.
#include <catch2/catch.hpp>

#include <string>

#include "app/status_page.hpp"

using namespace fovea;

TEST_CASE("html_escape turns markup into text", "[unit][status]") {
  CHECK(html_escape("<script>alert('x')</script> & \"y\"")
        == "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; "
           "&quot;y&quot;");
  CHECK(html_escape("plain-name_1.2") == "plain-name_1.2");
}

TEST_CASE("the status page shows workers, jobs and models as tables, with "
          "the cluster's text escaped",
          "[unit][status]") {
  status_snapshot s;
  s.now = 1000;
  node_row coordinator;
  coordinator.id = "coord";
  coordinator.role = node_role::coordinator;
  node_row worker;
  worker.id = "w1";
  worker.host = "<script>alert(1)</script>";
  worker.model = "fashion-mnist@1";
  worker.slots = 8;
  worker.up_since = 900;
  s.nodes = {coordinator, worker};
  job_row job;
  job.id = 7;
  job.name = "nightly";
  job.total = 40;
  job.done = 10;
  job.rate = 5;
  job.model = "fashion-mnist@1";
  job.note = "<img src=x onerror=alert(2)>";
  s.jobs = {job};
  s.models = {served_model{"fashion-mnist", "1", 10, 28, 28, 1, {}, 1}};
  s.events = {cluster_event{1, 900'000, event_kind::worker_joined,
                            "worker w1 registered"},
              cluster_event{2, 950'000, event_kind::poison,
                            "job 7: /in/<svg onload=alert(3)>.png is poison"}};
  s.queue = {.tasks = 300, .tasks_limit = 16384, .bytes = 3 << 20,
             .bytes_limit = 256u << 20, .batches_in_flight = 4,
             .online_requests = 2, .online_bytes = 1 << 20};

  auto page = status_page_html(s, false);
  CHECK(page.find("<script>alert") == std::string::npos);
  CHECK(page.find("<img") == std::string::npos);
  CHECK(page.find("&lt;script&gt;alert(1)&lt;/script&gt;")
        != std::string::npos);
  CHECK(page.find("&lt;img src=x onerror=alert(2)&gt;") != std::string::npos);
  CHECK(page.find("<progress max=\"40\" value=\"10\"></progress> 10/40")
        != std::string::npos);
  CHECK(page.find("<td>w1</td><td>fashion-mnist@1</td><td>ready</td>")
        != std::string::npos);
  CHECK(page.find("<td>6s</td>") != std::string::npos); // ETA: 30 at 5/s
  CHECK(page.find("<td>fashion-mnist@1</td><td>10</td><td>1</td><td>1</td>")
        != std::string::npos);
  CHECK(page.find("<svg") == std::string::npos);
  // The queue against its limits, as meters (warning past 90 %).
  CHECK(page.find("<tr data-key=\"bytes\"><td>image bytes held</td><td>"
                  "<meter min=\"0\" max=\"268435456\" high=\"241591911\" "
                  "value=\"3145728\"></meter></td><td>3.0 MiB of 256.0 MiB"
                  "</td></tr>")
        != std::string::npos);
  CHECK(page.find("<td>tasks queued</td><td><meter min=\"0\" max=\"16384\"")
        != std::string::npos);
  CHECK(page.find("<td>inference requests</td><td></td><td>2 (1.0 MiB)</td>")
        != std::string::npos);
  // Events, newest first, the number to read on from in data-last.
  auto poison = page.find("<td>poison</td><td>job 7: /in/&lt;svg "
                          "onload=alert(3)&gt;.png is poison</td>");
  auto joined = page.find("<td>worker-joined</td>");
  CHECK(poison != std::string::npos);
  CHECK(joined != std::string::npos);
  CHECK(poison < joined);
  CHECK(page.find("<table id=\"events\" data-last=\"2\">")
        != std::string::npos);
  CHECK(page.find("data-can-change=\"no\"") != std::string::npos);
  CHECK(status_page_html(s, true).find("data-can-change=\"yes\"")
        != std::string::npos);
  // Its only script is the compiled-in one, from the same front.
  CHECK(page.find("<script src=\"/assets/status.js\" defer></script>")
        != std::string::npos);
  CHECK(std::string{status_page_policy()}.find("script-src 'self'")
        != std::string::npos);
}

TEST_CASE("the page's assets are compiled in, and its script writes the "
          "cluster's text only as text",
          "[unit][status]") {
  auto js = find_status_asset("status.js");
  auto css = find_status_asset("status.css");
  REQUIRE_FALSE(js.text.empty());
  REQUIRE_FALSE(css.text.empty());
  CHECK(std::string{js.content_type}.rfind("text/javascript", 0) == 0);
  CHECK(std::string{css.content_type}.rfind("text/css", 0) == 0);
  CHECK(find_status_asset("../etc/passwd").text.empty());
  // Markup sinks would let a host name or a note run as script.
  for (auto sink : {"innerHTML", "outerHTML", "insertAdjacentHTML",
                    "document.write", "eval("})
    CHECK(js.text.find(sink) == std::string_view::npos);
  CHECK(js.text.find("textContent") != std::string_view::npos);
  // Nothing from elsewhere: its one absolute URL is SVG's namespace name.
  auto svg = js.text.find("'http://www.w3.org/2000/svg'");
  CHECK(svg != std::string_view::npos);
  CHECK(js.text.find("http", svg + 5) == std::string_view::npos);
  CHECK(js.text.substr(0, svg).find("http") == std::string_view::npos);
}
