// Which model a job runs on: the request's grammar, the choice among what
// the workers serve (newest version, one name or a refusal, waiting), and
// the one-digest-per-name@version rule.
#include <catch2/catch.hpp>

#include "jobs/model_binding.hpp"

using namespace fovea;

namespace {

model_id m(std::string name, uint32_t version, char digest) {
  return {std::move(name), version, std::string(64, digest)};
}

} // namespace

TEST_CASE("model requests are NAME or NAME@VERSION with a whole version",
          "[unit][models]") {
  auto any = parse_model_request("");
  REQUIRE(any);
  CHECK(any->name.empty());
  CHECK_FALSE(any->version);
  auto named = parse_model_request("fashion-mnist");
  REQUIRE(named);
  CHECK(named->name == "fashion-mnist");
  CHECK_FALSE(named->version);
  auto exact = parse_model_request("fashion-mnist@12");
  REQUIRE(exact);
  CHECK(exact->name == "fashion-mnist");
  CHECK(exact->version == 12u);
  CHECK(exact->text() == "fashion-mnist@12");
  for (auto bad : {"@1", "fashion@", "fashion@v1", "fashion@01", "fashion@0",
                   "fashion@-1", "fashion@1.5", "fashion@1@2", "-fashion",
                   "fash ion", "fashion@10000000000", "a/b"})
    CHECK_FALSE(parse_model_request(bad));
  CHECK(parse_model_version("1000000000") == 1000000000u);
  CHECK_FALSE(parse_model_version("1000000001"));
  CHECK_FALSE(valid_model_name(std::string(65, 'a')));
  CHECK(valid_model_name(std::string(64, 'a')));
}

TEST_CASE("a worker's label needs its version", "[unit][models]") {
  auto label = parse_model_label("shoes-only@7", std::string(64, 'b'));
  REQUIRE(label);
  CHECK(*label == m("shoes-only", 7, 'b'));
  CHECK(label->label() == "shoes-only@7");
  CHECK_FALSE(parse_model_label("shoes-only"));
  CHECK_FALSE(parse_model_label("shoes-only@bench"));
}

TEST_CASE("a job binds to the model it names, its newest version by default",
          "[unit][models]") {
  using outcome = model_choice::outcome;
  std::vector<model_id> served{m("fashion", 1, 'a'), m("fashion", 3, 'c'),
                               m("fashion", 2, 'b'), m("fashion", 3, 'c')};
  struct row {
    const char* request;
    outcome what;
    uint32_t version;
  };
  for (auto [request, what, version] :
       {row{"", outcome::bound, 3}, row{"fashion", outcome::bound, 3},
        row{"fashion@2", outcome::bound, 2},
        row{"fashion@1", outcome::bound, 1},
        row{"fashion@4", outcome::waiting, 0},
        row{"shoes", outcome::waiting, 0}}) {
    INFO(request);
    auto choice = choose_model(*parse_model_request(request), served);
    CHECK(choice.what == what);
    if (what == outcome::bound) {
      CHECK(choice.model.name == "fashion");
      CHECK(choice.model.version == version);
      CHECK(choice.model.digest ==
            std::string(64, static_cast<char>('a' + version - 1)));
    } else {
      CHECK(choice.why.find(parse_model_request(request)->text()) !=
            std::string::npos);
    }
  }
}

TEST_CASE("a job naming no model is refused where several names are served",
          "[unit][models]") {
  std::vector<model_id> served{m("fashion", 1, 'a'), m("shoes-only", 7, 'b')};
  auto choice = choose_model({}, served);
  CHECK(choice.what == model_choice::outcome::refused);
  CHECK(choice.why.find("fashion, shoes-only") != std::string::npos);
  CHECK(choice.why.find("--model") != std::string::npos);
  auto named = choose_model(*parse_model_request("shoes-only"), served);
  CHECK(named.what == model_choice::outcome::bound);
  CHECK(named.model == m("shoes-only", 7, 'b'));
  auto empty = choose_model({}, {});
  CHECK(empty.what == model_choice::outcome::waiting);
  CHECK_FALSE(empty.why.empty());
}

TEST_CASE("a resumed job gets exactly the model.pt its journal began with",
          "[unit][models]") {
  std::vector<model_id> served{m("fashion", 1, 'a'), m("fashion", 2, 'b'),
                               m("shoes-only", 7, 'c')};
  model_request resumed;
  resumed.digest = std::string(64, 'a');
  auto choice = choose_model(resumed, served);
  CHECK(choice.what == model_choice::outcome::bound);
  CHECK(choice.model == m("fashion", 1, 'a'));
  resumed.digest = std::string(64, 'z');
  choice = choose_model(resumed, served);
  CHECK(choice.what == model_choice::outcome::waiting);
  CHECK(choice.why.find("its journal began with (model.pt zzzzzzzzzzzz") !=
        std::string::npos);
  resumed = *parse_model_request("fashion@2");
  resumed.digest = std::string(64, 'a'); // the journal's model is version 1
  CHECK(choose_model(resumed, served).what == model_choice::outcome::waiting);
}

TEST_CASE("a resume naming another model than its rows' is refused",
          "[unit][models]") {
  auto [journaled, request, refused] =
      GENERATE(table<std::string, std::string, bool>({
          {"fashion@1", "", false},
          {"fashion@1", "fashion", false},
          {"fashion@1", "fashion@1", false},
          {"", "shoes@2", false}, // no row has a model yet: the digest rules
          {"fashion@1", "fashion@2", true},
          {"fashion@1", "shoes", true},
      }));
  INFO(journaled << " resumed with --model " << request);
  auto why = resume_conflict(journaled, request);
  CHECK(why.empty() == !refused);
  if (refused)
    CHECK(why == "its rows came from " + journaled + ", not --model " +
                     request);
}

TEST_CASE("one name@version has one digest", "[unit][models]") {
  std::vector<model_id> registered{m("fashion", 1, 'a'), m("fashion", 2, 'b')};
  CHECK_FALSE(conflicting_model(m("fashion", 1, 'a'), registered));
  CHECK_FALSE(conflicting_model(m("fashion", 3, 'z'), registered));
  CHECK_FALSE(conflicting_model(m("shoes", 1, 'z'), registered));
  auto clash = conflicting_model(m("fashion", 2, 'z'), registered);
  REQUIRE(clash);
  CHECK(clash->digest == std::string(64, 'b'));
}
