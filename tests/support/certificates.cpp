#include "tests/support/certificates.hpp"

#include <catch2/catch.hpp>

#include "tests/support/process.hpp"

namespace fovea::test {

test_pki::test_pki(std::filesystem::path dir,
                   const std::vector<std::pair<std::string, peer_role>>& nodes,
                   validity valid)
    : dir(std::move(dir)) {
  for (auto& [name, role] : nodes)
    issue(name, role, valid);
  if (nodes.empty()) {
    bool created = false;
    std::string problem;
    REQUIRE(certificate_authority::open(this->dir.string(), created, problem));
  }
}

void test_pki::issue(const std::string& name, peer_role role, validity valid) {
  bool created = false;
  std::string problem;
  auto ca = certificate_authority::open(dir.string(), created, problem);
  INFO(problem);
  REQUIRE(ca);
  auto issued = ca->issue(name, role, valid);
  INFO(issued);
  REQUIRE(issued.empty());
}

void test_pki::revoke(const std::string& name) {
  bool created = false;
  std::string problem;
  auto ca = certificate_authority::open(dir.string(), created, problem);
  REQUIRE(ca);
  auto revoked = ca->revoke(name);
  INFO(revoked);
  REQUIRE(revoked.empty());
}

std::vector<std::string> test_pki::flags(const std::string& name) const {
  return {"--fovea.certificate=" + cert(name), "--fovea.key=" + key(name),
          "--fovea.ca=" + ca()};
}

std::shared_ptr<const tls_credentials>
test_pki::credentials(const std::string& name) const {
  std::string problem;
  auto loaded = tls_credentials::load(files(name), problem);
  INFO(problem);
  REQUIRE(loaded);
  return loaded;
}

void fovea_certs(const std::string& dir, const std::vector<std::string>& names,
                 const std::string& role) {
  std::vector<std::string> args{"certs", dir};
  args.insert(args.end(), names.begin(), names.end());
  args.insert(args.end(), {"--role", role});
  auto [code, output] = run_fovea(args);
  INFO(output);
  REQUIRE(code == 0);
}

} // namespace fovea::test
