// fovea certs' certificate authority and the start-up checks of a node's
// TLS files: every broken file is named with its reason.
#include <catch2/catch.hpp>

#include <fstream>
#include <sys/stat.h>

#include "tests/support/certificates.hpp"
#include "tests/support/images.hpp"

using namespace fovea;

namespace {

std::string load_problem(const tls_files& files) {
  std::string problem;
  auto loaded = tls_credentials::load(files, problem);
  CHECK(!loaded);
  return problem;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream{path} << text;
}

} // namespace

TEST_CASE("fovea's CA issues certificates that carry name and role, with "
          "private keys of mode 0600",
          "[unit][edge]") {
  auto dir = test::fresh_dir("pki-issue");
  test::test_pki pki{dir / "pki",
                     {{"coord", peer_role::coordinator},
                      {"w1", peer_role::worker},
                      {"ops", peer_role::operator_}}};
  auto w1 = pki.credentials("w1");
  CHECK(w1->name() == "w1");
  CHECK(w1->role() == peer_role::worker);
  CHECK(w1->days_left() >= 364);
  CHECK(pki.credentials("ops")->role() == peer_role::operator_);
  for (auto file : {pki.key("w1"), (pki.dir / "ca.key").string()}) {
    struct ::stat info {};
    REQUIRE(::stat(file.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
  }
  // The CA is made once and reused; an existing certificate is kept.
  auto ca_before = test::read_file(pki.ca());
  pki.issue("w2", peer_role::worker);
  CHECK(test::read_file(pki.ca()) == ca_before);
  bool created = true;
  std::string problem;
  auto ca = certificate_authority::open(pki.dir.string(), created, problem);
  REQUIRE(ca);
  CHECK_FALSE(created);
  CHECK_THAT(ca->issue("w1", peer_role::worker), Catch::Contains("exists"));
  CHECK_THAT(ca->issue("../evil", peer_role::worker),
             Catch::Contains("not a node name"));
}

TEST_CASE("a node's broken TLS files are refused, naming the file and why",
          "[unit][edge]") {
  auto dir = test::fresh_dir("pki-broken");
  test::test_pki pki{dir / "pki",
                     {{"w1", peer_role::worker}, {"w2", peer_role::worker}}};
  test::test_pki other{dir / "other", {{"w1", peer_role::worker}}};
  pki.issue("old", peer_role::worker, validity{1, -3 * 86400});
  pki.issue("later", peer_role::worker, validity{30, 2 * 86400});
  write_text((dir / "garbage.pem").string(), "hello, not a certificate\n");
  auto good = pki.files("w1");

  SECTION("a missing certificate") {
    auto files = good;
    files.certificate = (dir / "nope.pem").string();
    CHECK(load_problem(files) == "fovea.certificate = " + files.certificate +
                                     ": No such file or directory");
  }
  SECTION("a certificate that is not PEM") {
    auto files = good;
    files.certificate = (dir / "garbage.pem").string();
    CHECK_THAT(load_problem(files),
               Catch::StartsWith("fovea.certificate = " + files.certificate) &&
                   Catch::Contains("not a PEM file"));
  }
  SECTION("a key that is a certificate") {
    auto files = good;
    files.key = pki.cert("w2");
    CHECK_THAT(load_problem(files),
               Catch::StartsWith("fovea.key = " + files.key) &&
                   Catch::Contains("not a private key"));
  }
  SECTION("a key of another certificate") {
    auto files = good;
    files.key = pki.key("w2");
    CHECK(load_problem(files) == "fovea.key = " + files.key +
                                     ": does not match the certificate " +
                                     files.certificate);
  }
  SECTION("a certificate of another CA") {
    auto files = good;
    files.certificate = other.cert("w1");
    files.key = other.key("w1");
    CHECK(load_problem(files) == "fovea.certificate = " + files.certificate +
                                     ": not signed by the CA in " + good.ca);
  }
  SECTION("an expired certificate") {
    auto files = pki.files("old");
    CHECK_THAT(load_problem(files),
               Catch::StartsWith("fovea.certificate = " + files.certificate +
                                 ": expired on "));
  }
  SECTION("a certificate not yet valid") {
    auto files = pki.files("later");
    CHECK_THAT(load_problem(files), Catch::Contains(": not valid before "));
  }
  SECTION("a CA file that is not a CA") {
    auto files = good;
    files.ca = pki.cert("w2");
    CHECK(load_problem(files) == "fovea.ca = " + files.ca +
                                     ": not a CA certificate (use the ca.pem "
                                     "`fovea certs` made)");
  }
  SECTION("a revoked certificate") {
    pki.revoke("w1");
    auto files = good;
    files.crl = pki.crl();
    CHECK(load_problem(files) == "fovea.certificate = " + files.certificate +
                                     ": revoked (listed in " + files.crl + ")");
  }
  SECTION("a revocation list of another CA") {
    other.revoke("w1");
    auto files = good;
    files.crl = other.crl();
    CHECK(load_problem(files) ==
          "fovea.crl = " + files.crl + ": not signed by the CA in " + files.ca);
  }
  SECTION("a revocation list that names others is fine") {
    pki.revoke("w2");
    auto files = good;
    files.crl = pki.crl();
    std::string problem;
    CHECK(tls_credentials::load(files, problem));
    CHECK(problem.empty());
  }
}
