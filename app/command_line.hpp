// Splits a subcommand's arguments into its own flags, its positional
// arguments, and the options CAF parses (`--section.key=value`, `--config`).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace fovea {

struct command_line {
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags; ///< own flags: name -> value
  std::vector<std::string> caf_args;        ///< for fovea_config::configure
  std::string error; ///< non-empty if the arguments are unusable
};

struct flag_spec {
  std::set<std::string> own;                    ///< `--name VALUE`
  std::set<std::string> switches;               ///< `--name`: flags[name]="true"
  std::map<std::string, std::string> aliases;   ///< `--name V` -> --key=V
};

/// `--name VALUE` and `--name=VALUE` both work. `--config FILE` becomes
/// CAF's `--config-file=FILE`. Dotted options pass to CAF untouched.
command_line split_command_line(const std::vector<std::string>& args,
                                const flag_spec& spec);

} // namespace fovea
