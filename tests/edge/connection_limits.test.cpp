#include <catch2/catch.hpp>

#include "edge/connection_limits.hpp"

using namespace fovea;

TEST_CASE("connection limits hold in all and per address, and free up",
          "[unit][edge]") {
  connection_limits limits{3, 2};
  CHECK(limits.admit("10.0.0.1").empty());
  CHECK(limits.admit("10.0.0.1").empty());
  CHECK_THAT(limits.admit("10.0.0.1"),
             Catch::Contains("fovea.max-connections-per-address"));
  CHECK(limits.admit("10.0.0.2").empty());
  CHECK_THAT(limits.admit("10.0.0.3"),
             Catch::Contains("fovea.max-connections"));
  CHECK(limits.total() == 3);
  limits.release("10.0.0.1");
  CHECK(limits.from("10.0.0.1") == 1);
  CHECK(limits.admit("10.0.0.3").empty());
  limits.release("10.0.0.1");
  limits.release("10.0.0.2");
  limits.release("10.0.0.3");
  CHECK(limits.total() == 0);
  CHECK(limits.from("10.0.0.1") == 0);
  limits.release("10.0.0.9"); // never admitted: no effect
  CHECK(limits.total() == 0);
}

TEST_CASE("an IPv6 /64 counts as one source, as one host usually holds it",
          "[unit][edge]") {
  using boost::asio::ip::make_address;
  CHECK(connection_source(make_address("2001:db8:1:2::5"))
        == connection_source(make_address("2001:db8:1:2:ffff::9")));
  CHECK(connection_source(make_address("2001:db8:1:2::5"))
        != connection_source(make_address("2001:db8:1:3::5")));
  CHECK(connection_source(make_address("2001:db8:1:2::5")) == "2001:db8:1:2::/64");
  CHECK(connection_source(make_address("::ffff:10.0.0.7")) == "10.0.0.7");
  CHECK(connection_source(make_address("10.0.0.7")) == "10.0.0.7");
}
