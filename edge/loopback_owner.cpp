#include "edge/loopback_owner.hpp"

#include <fstream>
#include <sstream>

namespace fovea {

namespace {

// The port of an "ADDRESS:PORT" field of /proc/net/tcp (hex).
std::optional<uint16_t> port_of(const std::string& field) {
  auto colon = field.rfind(':');
  if (colon == std::string::npos)
    return std::nullopt;
  try {
    return static_cast<uint16_t>(
        std::stoul(field.substr(colon + 1), nullptr, 16));
  } catch (...) {
    return std::nullopt;
  }
}

// Loopback as the table writes it: 127.x.y.z in little-endian hex for
// tcp, ::1 (or ::ffff:127.x.y.z) for tcp6.
bool is_loopback(const std::string& field) {
  auto address = field.substr(0, field.rfind(':'));
  if (address.size() == 8)
    return address.substr(6, 2) == "7F";
  return address == "00000000000000000000000001000000" ||
         (address.substr(0, 16) == "0000000000000000" &&
          address.substr(16, 8) == "FFFF0000" && address.substr(30, 2) == "7F");
}

} // namespace

std::optional<uid_t> loopback_owner(uint16_t client_port,
                                    uint16_t server_port) {
  for (auto table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in{table};
    std::string line;
    std::getline(in, line); // the heading
    while (std::getline(in, line)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid ...
      std::istringstream fields{line};
      std::string slot, local, remote, state, queues, timer, retransmits;
      uid_t uid = 0;
      if (!(fields >> slot >> local >> remote >> state >> queues >> timer >>
            retransmits >> uid))
        continue;
      if (port_of(local) == client_port && port_of(remote) == server_port &&
          is_loopback(local) && is_loopback(remote))
        return uid;
    }
  }
  return std::nullopt;
}

} // namespace fovea
