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
