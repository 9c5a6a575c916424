#include "edge/basp_messages.hpp"

#include <array>
#include <unordered_map>

namespace fovea {

namespace {

using basp_wire::wire_reader;

enum class content {
  plain,        ///< fovea's own: values only, no handles
  error_reply,  ///< an error, checked for handles in its context
  exit,         ///< an exit message: its source must be the peer's
  info_request, ///< CAF's (sys, get, "info"), named to SpawnServ only
  info_reply,   ///< its reply, whose handle must be the peer's
};

// Every content a fovea node sends to another, by its type names
// (messages/interfaces.hpp, and CAF's own). A new message in
// messages/interfaces.hpp needs its line here: tests/app/basp_capture
// fails until it has one.
const std::unordered_map<std::string_view, content>& accepted() {
  static const std::unordered_map<std::string_view, content> table{
    // Requests to a coordinator.
    {"@<>+@atom+fovea::worker_info", content::plain},
    {"@<>+@atom+fovea::job_spec", content::plain},
    {"@<>+@atom+@u64+std::vector<fovea::image_task>", content::plain},
    {"@<>+@atom+@str", content::plain},
    {"@<>+@atom+@u64", content::plain},
    {"@<>+@atom+@u64+@u64+@u64", content::plain},
    {"@<>+@atom", content::plain},
    // A coordinator's requests and pushes to workers and clients.
    {"@<>+@atom+std::vector<fovea::image_task>", content::plain},
    {"@<>+@atom+@u64+std::vector<fovea::prediction>", content::plain},
    {"@<>+@atom+@u64+@str", content::plain},
    {"@<>+@atom+fovea::job_credit", content::plain},
    // Replies.
    {"@<>+@u64", content::plain},
    {"@<>+@u32", content::plain},
    {"@<>+@str", content::plain},
    {"@<>+bool", content::plain},
    {"@<>+fovea::job_row", content::plain},
    {"@<>+std::vector<fovea::node_row>", content::plain},
    {"@<>+std::vector<fovea::job_row>", content::plain},
    {"@<>+fovea::batch_answer", content::plain},
    {"@<>+@error", content::error_reply},
    // A coordinator lets a drained worker go (send_exit).
    {"@<>+@exit", content::exit},
    // CAF's node discovery.
    {"@<>+@atom+@atom+@str", content::info_request},
    {"@<>+@atom+@str+@strong_actor_ptr+@str", content::info_reply},
  };
  return table;
}

// Values an error's context may hold: nothing that names an actor or a
// node, and no nested message or error.
bool plain_value(std::string_view type) {
  static constexpr std::array<std::string_view, 17> plain{
    "@str", "@atom", "@i8",       "@i16",      "@i32",    "@i64",
    "@u8",  "@u16",  "@u32",      "@u64",      "bool",    "float",
    "double", "@strvec", "@timespan", "@timestamp", "@duration"};
  for (auto p : plain)
    if (p == type)
      return true;
  return false;
}

// An actor handle (id and node) that must belong to the peer's node (or
// be empty).
std::string check_peer_actor(wire_reader& r, std::string_view peer,
                             const char* what) {
  uint64_t id = 0;
  std::string_view node;
  if (!r.u64(id) || !r.node(node))
    return std::string{what} + " with an unreadable actor handle";
  if (!node.empty() && node != peer)
    return std::string{what} + " naming an actor of another node";
  return {};
}

} // namespace

std::string check_error(wire_reader& r) {
  uint8_t code = 0;
  uint64_t category = 0;
  uint16_t zero = 1;
  std::string_view types;
  if (!r.u8(code) || !r.u64(category) || !r.u16(zero) || !r.text(types)
      || zero != 0)
    return "an unreadable error";
  if (types == "@<>")
    return {};
  if (types.substr(0, 4) != "@<>+")
    return "an error of unknown content";
  types.remove_prefix(4);
  while (!types.empty()) {
    auto end = types.find('+');
    auto type = types.substr(0, end);
    if (!plain_value(type))
      return "an error holding a " + std::string{type};
    types.remove_prefix(end == std::string_view::npos ? types.size()
                                                      : end + 1);
  }
  return {};
}

std::string check_direct_message(const uint8_t* prefix, size_t size,
                                 bool complete,
                                 const direct_message_facts& facts) {
  wire_reader r{prefix, size};
  uint32_t stages = 0;
  uint16_t zero = 1;
  std::string_view types;
  if (!r.size(stages) || !r.u16(zero) || !r.text(types))
    return complete ? "a direct message that is not a CAF message"
                    : "a direct message whose types do not fit in "
                        + std::to_string(direct_message_prefix) + " bytes";
  if (stages != 0)
    return "a direct message with a forwarding stack";
  if (zero != 0)
    return "a direct message with a type number CAF 0.17 does not send";
  auto found = accepted().find(types);
  if (found == accepted().end())
    return "a direct message of content " + std::string{types.substr(0, 200)}
           + ", which fovea does not send";
  auto kind = found->second;
  if (facts.named != (kind == content::info_request))
    return facts.named ? "a named message other than (sys, get, \"info\")"
                       : "(sys, get, \"info\") not named to SpawnServ";
  switch (kind) {
  case content::plain:
    return {};
  case content::error_reply:
    if (auto why = check_error(r); !why.empty())
      return "an error reply that is " + why;
    return {};
  case content::exit: {
    if (auto why = check_peer_actor(r, facts.peer, "an exit message");
        !why.empty())
      return why;
    if (auto why = check_error(r); !why.empty())
      return "an exit message whose reason is " + why;
    return {};
  }
  case content::info_request: {
    uint64_t sys = 0;
    uint64_t get = 0;
    std::string_view key;
    if (!r.u64(sys) || !r.u64(get) || !r.text(key)
        || sys != basp_wire::atom_value("sys")
        || get != basp_wire::atom_value("get") || key != "info")
      return "a named message other than (sys, get, \"info\")";
    return {};
  }
  case content::info_reply: {
    uint64_t ok = 0;
    std::string_view key;
    if (!r.u64(ok) || !r.text(key) || ok != basp_wire::atom_value("ok")
        || key != "info")
      return "an info reply that is not (ok, \"info\", ...)";
    return check_peer_actor(r, facts.peer, "an info reply");
  }
  }
  return {};
}

} // namespace fovea
