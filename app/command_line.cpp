#include "app/command_line.hpp"

namespace fovea {

command_line split_command_line(const std::vector<std::string>& args,
                                const flag_spec& spec) {
  command_line result;
  for (size_t i = 0; i < args.size(); ++i) {
    auto& arg = args[i];
    if (arg.rfind("--", 0) != 0 || arg == "--") {
      result.positional.push_back(arg);
      continue;
    }
    auto eq = arg.find('=');
    auto name = arg.substr(2, eq == std::string::npos ? eq : eq - 2);
    if (spec.switches.count(name) > 0 && eq == std::string::npos) {
      result.flags[name] = "true";
      continue;
    }
    auto is_value_flag = name == "config" || spec.own.count(name) > 0
                         || spec.aliases.count(name) > 0;
    if (!is_value_flag) {
      if (name.find('.') != std::string::npos || name == "config-file"
          || name == "help" || name == "long-help" || name == "dump-config")
        result.caf_args.push_back(arg);
      else
        result.error = "unknown option " + arg + " (see `fovea help`)";
      continue;
    }
    std::string value;
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      result.error = "option --" + name + " needs a value";
      continue;
    }
    if (name == "config")
      result.caf_args.push_back("--config-file=" + value);
    else if (auto alias = spec.aliases.find(name); alias != spec.aliases.end())
      result.caf_args.push_back("--" + alias->second + "=" + value);
    else
      result.flags[name] = value;
  }
  return result;
}

} // namespace fovea
