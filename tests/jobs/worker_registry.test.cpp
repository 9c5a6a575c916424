// The coordinator's worker registry: its two indexes agree whatever the
// order of joins and departures, and keys are never reused.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "jobs/worker_registry.hpp"

using namespace fovea;

namespace {

using registry = worker_registry<std::string, std::string>;

// Every worker is found by its key and by its address, as the same record.
void check_indexes_agree(registry& workers) {
  for (auto& [address, record] : workers) {
    INFO(address);
    REQUIRE(workers.address_of(record.key) != nullptr);
    CHECK(*workers.address_of(record.key) == address);
    CHECK(workers.find(record.key) == &record);
    CHECK(workers.find(address) == &record);
  }
}

} // namespace

TEST_CASE("a worker registry finds each worker by address and by key, "
          "whatever joins and leaves",
          "[unit]") {
  // Steps: "+a" registers a, "-a" forgets it.
  auto steps = GENERATE(table<std::vector<std::string>>({
    {{"+a", "+b", "+c"}},
    {{"+a", "-a", "+a"}},
    {{"+a", "+b", "-a", "+c", "-b", "+a"}},
    {{"+a", "+a", "-b", "+b", "-a", "-a"}},
  }));
  registry workers;
  std::vector<uint64_t> keys_seen;
  for (auto& step : std::get<0>(steps)) {
    INFO(step);
    auto address = step.substr(1);
    if (step[0] == '+') {
      auto before = workers.find(address);
      auto [record, added] = workers.add(address, "entry of " + address);
      CHECK(added == (before == nullptr));
      if (added)
        keys_seen.push_back(record.key);
    } else {
      auto had = workers.find(address) != nullptr;
      CHECK(workers.erase(address) == had);
      CHECK(workers.find(address) == nullptr);
    }
    check_indexes_agree(workers);
  }
  // Keys are never reused: a worker that comes back is a new registration,
  // and a late answer under its old key finds nothing.
  auto sorted = keys_seen;
  std::sort(sorted.begin(), sorted.end());
  CHECK(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
  for (auto key : keys_seen)
    if (auto* record = workers.find(key))
      CHECK(record->key == key);
}

TEST_CASE("a forgotten worker's key finds nothing, even after its address "
          "registers again",
          "[unit]") {
  registry workers;
  auto first = workers.add("w1", "first").first.key;
  REQUIRE(workers.erase("w1"));
  auto second = workers.add("w1", "second").first.key;
  CHECK(second != first);
  CHECK(workers.find(first) == nullptr);
  CHECK(workers.address_of(first) == nullptr);
  REQUIRE(workers.find(second) != nullptr);
  CHECK(workers.find(second)->entry == "second");
  CHECK(workers.size() == 1);
}
