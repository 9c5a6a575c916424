// A client names an https:// input; a worker fetches it only from the hosts
// its operator lists: not a cloud's metadata address, not an internal host,
// not a look-alike name, not through a user part that hides the host.
#include <catch2/catch.hpp>

#include "messages/errors.hpp"
#include "storage/https_reference.hpp"

using namespace fovea;

TEST_CASE("an https reference is parsed into the host it goes to, or "
          "refused saying why",
          "[unit][storage]") {
  auto [text, host, port, why] =
      GENERATE(table<std::string, std::string, int, std::string>({
          {"https://images.example.com/a/b.png", "images.example.com", 443, ""},
          {"https://Images.Example.COM:8443/x.jpg?v=2", "images.example.com",
           8443, ""},
          {"https://[::1]:9000/a.png", "[::1]", 9000, ""},
          {"http://images.example.com/a.png", "", 0, "starts with https://"},
          {"https://user:pw@169.254.169.254/latest", "", 0, "user or password"},
          {"https://images.example.com@169.254.169.254/", "", 0,
           "user or password"},
          {"https://images.example.com/a b.png", "", 0, "spaces"},
          {"https://images.example.com/a.png#frag", "", 0, "fragment"},
          {"https://images.example.com:0/a.png", "", 0, "port"},
          {"https://images.example.com:70000/a.png", "", 0, "port"},
          {"https://exa_mple.com/a.png", "", 0, "letters, digits"},
          {"https:///a.png", "", 0, "letters, digits"},
      }));
  CAPTURE(text);
  auto target = parse_https_reference(text);
  if (why.empty()) {
    REQUIRE(target);
    CHECK(target->host == host);
    CHECK(target->port == port);
  } else {
    REQUIRE_FALSE(target);
    CHECK_THAT(describe(target.error()), Catch::Contains(why));
  }
}

TEST_CASE("a worker fetches only from the hosts fovea.http-hosts lists",
          "[unit][storage]") {
  std::vector<std::string> allowed{"images.example.com", "cdn.example.org:8443",
                                   "*.photos.example.net"};
  auto [text, fetched] = GENERATE(table<std::string, bool>({
      {"https://images.example.com/a.png", true},
      {"https://IMAGES.example.com/a.png", true},
      {"https://images.example.com:8443/a.png", false}, // listed for 443 only
      {"https://cdn.example.org:8443/a.png", true},
      {"https://cdn.example.org/a.png", false},
      {"https://eu.photos.example.net/a.png", true},
      {"https://photos.example.net/a.png", false}, // the domain itself
      {"https://evilphotos.example.net/a.png", false},
      {"https://images.example.com.evil.io/a.png", false},
      {"https://169.254.169.254/latest/meta-data/", false},
      {"https://metadata.google.internal/computeMetadata/v1/", false},
      {"https://127.0.0.1/a.png", false},
      {"https://[::1]/a.png", false},
  }));
  CAPTURE(text);
  auto target = parse_https_reference(text);
  REQUIRE(target);
  CHECK(https_host_allowed(allowed, *target) == fetched);
  CHECK_FALSE(https_host_allowed({}, *target)); // an empty list: none
}
