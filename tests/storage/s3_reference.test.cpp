// An s3:// input names a bucket and a key S3 allows, is fetched from the
// configured endpoint only, with credentials only its user can read, and
// only from buckets fovea.s3-buckets names.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "messages/errors.hpp"
#include "storage/s3_reference.hpp"
#include "tests/support/images.hpp"

using namespace fovea;
namespace fs = std::filesystem;

TEST_CASE("S3 references parse into bucket and key, and bad ones are "
          "refused saying why",
          "[unit]") {
  auto good = parse_s3_reference("s3://fashion-data/test/00001.png");
  REQUIRE(good);
  CHECK(good->bucket == "fashion-data");
  CHECK(good->key == "test/00001.png");
  CHECK_FALSE(good->is_prefix());
  CHECK(parse_s3_reference("s3://fashion-data/test/")->is_prefix());
  CHECK(parse_s3_reference("s3://fashion-data")->is_prefix());
  auto [text, why] = GENERATE(table<std::string, std::string>({
      {"https://fashion-data/x.png", "starts with s3://"},
      {"s3://ab/x.png", "3 to 63 characters"},
      {"s3://Fashion/x.png", "only a-z, 0-9"},
      {"s3://-data/x.png", "starts and ends with a letter or digit"},
      {"s3://a..b/x.png", "no \"..\""},
      {"s3://169.254.169.254/latest", "no IP address"},
      {"s3://user@host/x.png", "only a-z, 0-9"},
      {"s3://data/" + std::string(1025, 'k'), "at most 1024 bytes"},
      {"s3://data/a\nb.png", "control characters"},
  }));
  auto parsed = parse_s3_reference(text);
  REQUIRE_FALSE(parsed);
  CHECK_THAT(describe(parsed.error()), Catch::Contains(why));
}

TEST_CASE("an S3 request goes to the configured endpoint, path-style or "
          "virtual-hosted",
          "[unit]") {
  auto object = *parse_s3_reference("s3://fashion-data/a b/1.png");
  auto path_style = parse_s3_endpoint("http://127.0.0.1:4569", true);
  REQUIRE(path_style);
  auto target = s3_get_target(*path_style, object);
  CHECK(target.url == "http://127.0.0.1:4569/fashion-data/a%20b/1.png");
  CHECK(target.request.path == "/fashion-data/a b/1.png");
  CHECK(target.request.headers ==
        std::vector<std::pair<std::string, std::string>>{
            {"host", "127.0.0.1:4569"}});
  auto hosted = parse_s3_endpoint("https://s3.eu-west-1.amazonaws.com/", false);
  REQUIRE(hosted);
  target = s3_get_target(*hosted, object);
  CHECK(target.url ==
        "https://fashion-data.s3.eu-west-1.amazonaws.com/a%20b/1.png");
  // A dotted bucket would not match the store's certificate as a label.
  target = s3_get_target(*hosted, *parse_s3_reference("s3://my.data/k"));
  CHECK(target.url == "https://s3.eu-west-1.amazonaws.com/my.data/k");
  for (auto bad :
       {"ftp://store", "https://", "https://store/path", "https://user@store",
        "https://store:0", "https://store:70000", "https://store:x"})
    CHECK_FALSE(parse_s3_endpoint(bad, true));
}

TEST_CASE("S3 credentials come from the environment or from a file only "
          "its user can read",
          "[unit]") {
  auto dir = test::fresh_dir("s3-credentials");
  auto file = dir / "credentials";
  std::ofstream{file} << "# fovea test\n[other]\naws_access_key_id = WRONG\n"
                         "aws_secret_access_key = WRONG\n\n[default]\n"
                         "aws_access_key_id = AKIDTEST\n"
                         "aws_secret_access_key = secret/KEY\n"
                         "aws_session_token = token==\n";
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
  auto read = s3_credentials_from_file(file.string());
  REQUIRE(read);
  CHECK(read->access_key == "AKIDTEST");
  CHECK(read->secret_key == "secret/KEY");
  CHECK(read->session_token == "token==");
  CHECK(s3_credentials_from_file(file.string(), "other")->access_key ==
        "WRONG");
  auto missing = s3_credentials_from_file(file.string(), "none");
  REQUIRE_FALSE(missing);
  CHECK_THAT(describe(missing.error()), Catch::Contains("profile [none]"));

  fs::permissions(file, fs::perms::group_read, fs::perm_options::add);
  auto open_file = s3_credentials_from_file(file.string());
  REQUIRE_FALSE(open_file);
  CHECK_THAT(describe(open_file.error()),
             Catch::Contains("no one else may read") &&
                 !Catch::Contains("secret/KEY"));
  fs::create_symlink(file, dir / "link");
  CHECK_FALSE(s3_credentials_from_file((dir / "link").string()));

  ::setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
  ::setenv("AWS_SESSION_TOKEN", "envtoken", 1);
  auto env = s3_credentials_from_environment();
  REQUIRE(env);
  CHECK(env->access_key == "AKIDENV");
  CHECK(env->session_token == "envtoken");
  ::unsetenv("AWS_SECRET_ACCESS_KEY");
  CHECK_FALSE(s3_credentials_from_environment());
  ::unsetenv("AWS_ACCESS_KEY_ID");
  ::unsetenv("AWS_SESSION_TOKEN");
}

TEST_CASE("only buckets fovea.s3-buckets names are read", "[unit]") {
  std::vector<std::string> allowed{"fashion-data", "team-a-*"};
  CHECK(s3_bucket_allowed(allowed, "fashion-data"));
  CHECK(s3_bucket_allowed(allowed, "team-a-images"));
  CHECK_FALSE(s3_bucket_allowed(allowed, "fashion-data2"));
  CHECK_FALSE(s3_bucket_allowed(allowed, "team-b-images"));
  CHECK_FALSE(s3_bucket_allowed({}, "fashion-data"));
}
