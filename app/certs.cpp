// fovea certs DIR NAME... [--role ROLE] [--days N]
// fovea certs DIR --revoke NAME...
//
// A cluster's certificates: DIR/ca.pem and DIR/ca.key (made the first time,
// reused after), and DIR/NAME.pem with DIR/NAME.key (mode 0600) for each
// NAME, signed by that CA, with ROLE written into it. --revoke adds NAMEs
// to DIR/crl.pem, which nodes read with fovea.crl.
#include <charconv>

#include "app/command_line.hpp"
#include "app/console.hpp"
#include "app/subcommands.hpp"
#include "edge/certificate_authority.hpp"

namespace fovea {

namespace {

constexpr const char* usage =
    "usage: fovea certs DIR NAME... [--role coordinator|worker|client|monitor|"
    "operator] [--days N]\n"
    "       fovea certs DIR --revoke NAME...";

} // namespace

int certs_main(const arguments& args) {
  std::vector<std::string> positional;
  std::string role_text = "client";
  std::string days_text = "365";
  bool revoke = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--role" && i + 1 < args.size())
      role_text = args[++i];
    else if (args[i] == "--days" && i + 1 < args.size())
      days_text = args[++i];
    else if (args[i] == "--revoke")
      revoke = true;
    else if (args[i].rfind("--", 0) == 0) {
      complain("fovea certs: unknown option " + args[i] + "\n" + usage);
      return 2;
    } else
      positional.push_back(args[i]);
  }
  if (positional.size() < 2) {
    complain(std::string{"fovea certs: give a folder and at least one name\n"} +
             usage);
    return 2;
  }
  auto role = parse_peer_role(role_text);
  if (!role) {
    complain("fovea certs: --role " + role_text +
             ": a role is coordinator, worker, client, operator or monitor");
    return 2;
  }
  validity valid;
  auto [end, ec] = std::from_chars(
      days_text.data(), days_text.data() + days_text.size(), valid.days);
  if (ec != std::errc{} || end != days_text.data() + days_text.size() ||
      valid.days < 1 || valid.days > 3650) {
    complain("fovea certs: --days " + days_text +
             ": a number of days from 1 to 3650");
    return 2;
  }
  const auto& dir = positional[0];
  bool created = false;
  std::string problem;
  auto ca = certificate_authority::open(dir, created, problem);
  if (!ca) {
    complain("fovea certs: " + problem);
    return 2;
  }
  if (created)
    say("made the cluster CA: " + ca->ca_file() +
        " (give it to every node "
        "as fovea.ca; keep " +
        dir + "/ca.key secret: it signs certificates)");
  for (size_t i = 1; i < positional.size(); ++i) {
    const auto& name = positional[i];
    auto failed = revoke ? ca->revoke(name) : ca->issue(name, *role, valid);
    if (!failed.empty()) {
      complain("fovea certs: " + failed);
      return 2;
    }
    if (revoke)
      say("revoked " + name + " in " + ca->crl_file() +
          " (nodes with fovea.crl refuse it from their next start)");
    else
      say("made " + dir + "/" + name + ".pem and " + dir + "/" + name +
          ".key: role " + to_string(*role) + ", valid " +
          std::to_string(valid.days) + " days");
  }
  return 0;
}

} // namespace fovea
