#include "app/run_tls.hpp"

#include <unistd.h>

#include "edge/certificate_authority.hpp"

namespace fovea {

namespace {

constexpr const char* runner_name = "operator";

bool exists(const std::string& path) {
  return ::access(path.c_str(), F_OK) == 0;
}

} // namespace

std::vector<std::string> run_tls::flags(const std::string& name) const {
  std::vector<std::string> result{"--fovea.certificate=" + dir + "/" + name +
                                      ".pem",
                                  "--fovea.key=" + dir + "/" + name + ".key",
                                  "--fovea.ca=" + dir + "/ca.pem"};
  if (crl)
    result.push_back("--fovea.crl=" + dir + "/crl.pem");
  return result;
}

void run_tls::configure_runner(fovea_config& cfg) const {
  cfg.certificate = dir + "/" + runner_name + ".pem";
  cfg.key = dir + "/" + runner_name + ".key";
  cfg.ca = dir + "/ca.pem";
  if (crl)
    cfg.crl = dir + "/crl.pem";
}

std::optional<run_tls>
plan_run_tls(const std::vector<std::vector<std::string>>& lines,
             const std::filesystem::path& run_dir, std::string& problem) {
  std::optional<std::string> given; // `tls DIR`; "" for `tls` alone
  bool on_hosts = false;
  bool started = false;
  std::vector<std::pair<std::string, peer_role>> nodes;
  for (auto& w : lines) {
    if (w[0] == "tls") {
      if (w.size() > 2 || started || given) {
        problem = "tls [DIR] comes once, before the first start line";
        return std::nullopt;
      }
      given = w.size() == 2 ? w[1] : std::string{};
    } else if (w[0] == "start" && w.size() >= 3) {
      started = true;
      nodes.emplace_back(w[2], w[1] == "coordinator" ? peer_role::coordinator
                                                     : peer_role::worker);
      for (auto& word : w)
        on_hosts = on_hosts || word == "--host";
    }
  }
  if (!given && !on_hosts)
    return std::nullopt;
  run_tls result;
  if (given && !given->empty()) {
    // Certificates made before: every one the run needs must be there.
    result.dir = *given;
    std::vector<std::string> needed{result.dir + "/ca.pem"};
    nodes.emplace_back(runner_name, peer_role::operator_);
    for (auto& [name, role] : nodes) {
      needed.push_back(result.dir + "/" + name + ".pem");
      needed.push_back(result.dir + "/" + name + ".key");
    }
    for (auto& file : needed)
      if (!exists(file)) {
        problem = "tls " + result.dir + ": " + file +
                  " is missing (fovea certs makes it; the runner's own is "
                  "operator.pem, role operator)";
        return std::nullopt;
      }
    result.crl = exists(result.dir + "/crl.pem");
    return result;
  }
  // Made for this run alone, in its folder.
  result.dir = (run_dir / "certs").string();
  bool created = false;
  auto ca = certificate_authority::open(result.dir, created, problem);
  if (!ca)
    return std::nullopt;
  nodes.emplace_back(runner_name, peer_role::operator_);
  for (auto& [name, role] : nodes) {
    // A run again in the same folder keeps what the last one made.
    auto base = result.dir + "/" + name;
    if (exists(base + ".pem") && exists(base + ".key"))
      continue;
    if (auto why = ca->issue(name, role); !why.empty()) {
      problem = why;
      return std::nullopt;
    }
  }
  return result;
}

} // namespace fovea
