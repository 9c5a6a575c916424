#include <catch2/catch.hpp>

#include "actors/endpoint.hpp"
#include "messages/errors.hpp"

using namespace fovea;

TEST_CASE("HOST:PORT endpoints parse, and bad ones say why", "[unit]") {
  auto ok = parse_endpoint("127.0.0.1:4242");
  REQUIRE(ok);
  CHECK(ok->host == "127.0.0.1");
  CHECK(ok->port == 4242);
  auto v6 = parse_endpoint("[::1]:80");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(to_string(*v6) == "[::1]:80");
  auto text = GENERATE(as<std::string>{}, "localhost", ":4242", "host:",
                       "host:0", "host:65536", "host:42x");
  auto bad = parse_endpoint(text);
  REQUIRE_FALSE(bad);
  CHECK(describe(bad.error()).find("'" + text + "' is not HOST:PORT")
        != std::string::npos);
}
