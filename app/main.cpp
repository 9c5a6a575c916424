// fovea: distributed image recognition on the C++ Actor Framework.
//
// This file only picks the subcommand; each lives in its own file.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>

#include "app/console.hpp"
#include "app/fovea_config.hpp"
#include "app/settings_schema.hpp"
#include "app/subcommands.hpp"
#include "jobs/job_flags.hpp"
#include "vision/manifest_keys.hpp"

namespace {

// The overview `fovea help` prints; submit's and classify's lines come from
// their flags' one declaration (jobs/job_flags.cpp).
std::string usage() {
  auto job_line = [](fovea::job_command command) {
    // Wrapped at 76 columns, under the command.
    auto text = fovea::job_usage(command).substr(13); // after "usage: fovea "
    std::string out = "  ";
    size_t column = 2;
    for (size_t at = 0; at < text.size();) {
      auto next = text.find(" [", at + 1);
      auto piece = text.substr(at, next == std::string::npos ? std::string::npos
                                                             : next - at);
      if (column + piece.size() > 76) {
        out += "\n        ";
        column = 8;
        if (piece[0] == ' ')
          piece.erase(0, 1);
      }
      out += piece;
      column += piece.size();
      at = next == std::string::npos ? text.size() : next;
    }
    return out + "\n";
  };
  return "usage: fovea COMMAND [ARGS]\n\ncommands:\n"
         "  node --config FILE [--fovea.KEY=VALUE ...]\n"
         "      run a coordinator or worker node, as the config's fovea.role "
         "says\n"
         + job_line(fovea::job_command::submit)
         + "      classify INPUTs on a running cluster\n"
         + job_line(fovea::job_command::classify)
         + "      classify INPUTs in this process (coordinator and N workers, "
           "no network)\n"
         + R"(  dataset fashion-mnist [--split test|train] --out DIR [--source DIR]
      write a data set as PNG files plus DIR/truth.csv (path,label)
  shell [HOST:PORT] [--config FILE] [--fovea.KEY=VALUE ...]
      an operator's console to a running cluster (`help` inside lists the
      commands); reads commands from stdin when it is not a terminal
  run SCRIPT [--dir DIR]
      a scripted cluster run: start nodes, run shell commands, check
      `expect` lines; node logs go to DIR (default runs/TIMESTAMP)
  certs DIR NAME... [--role coordinator|worker|client|operator|monitor] [--days N]
      a cluster's certificates: DIR/ca.pem (made once), DIR/NAME.pem and
      DIR/NAME.key signed by it, with the role in the certificate
  certs DIR --revoke NAME...
      list NAMEs in DIR/crl.pem (nodes read it with fovea.crl)
  version (or --version)
      this fovea's version, the libraries it was built with, and where its
      LibTorch module loads from
  help [COMMAND | settings | KEY | model.ini]
      this text; a command's flags (also `fovea COMMAND --help`); every
      fovea.* setting; one setting (`fovea help max-queued-bytes`); or
      every key of a model folder's model.ini

Nodes, submit and shell take fovea.certificate, fovea.key and fovea.ca (in
the config file or as --fovea.KEY=VALUE) to talk TLS: docs/security.md.

The results file has one row per input: path,label,class,score,worker,error,
model (and top_k with --top-k). Exit codes: 0 success, 1 the job failed,
2 bad usage, configuration or model (nothing was started).
)";
}

// `fovea COMMAND --help` and `fovea help COMMAND` for the commands that run
// no job (submit's and classify's come from jobs/job_flags.cpp).
const std::map<std::string, std::pair<std::string, std::string>>&
command_help() {
  static const std::map<std::string, std::pair<std::string, std::string>>
    help{
      {"node",
       {"usage: fovea node --config FILE [--fovea.KEY=VALUE ...]",
        "Runs a coordinator or a worker, as the config's fovea.role says: "
        "prints one ready line, then runs until SIGINT or SIGTERM (a worker "
        "drains first: it finishes what it holds). config/coordinator.ini "
        "and config/worker.ini are examples; `fovea help settings` lists "
        "every key and `fovea help KEY` explains one."}},
      {"shell",
       {"usage: fovea shell [HOST:PORT] [--config FILE] [--fovea.KEY=VALUE "
        "...]",
        "An operator's console to a running cluster; `help` inside lists its "
        "commands. With stdin not a terminal it reads one command per line "
        "and exits 1 if any failed. Give it a certificate (fovea.certificate, "
        "fovea.key, fovea.ca) for a TLS cluster."}},
      {"run",
       {"usage: fovea run SCRIPT [--dir DIR] [--set NAME=VALUE ...]",
        "A scripted cluster run: the shell's commands plus start, wait-ready, "
        "wait-rows, kill, stop, sleep, expect and tls. Node logs go to DIR "
        "(default runs/TIMESTAMP). Examples: config/clusters/*.fovea; "
        "docs/usage.md explains each verb."}},
      {"certs",
       {"usage: fovea certs DIR NAME... [--role "
        "coordinator|worker|client|operator|monitor] [--days N]\n"
        "       fovea certs DIR --revoke NAME...",
        "A cluster's certificates: DIR/ca.pem and ca.key (made once), and "
        "DIR/NAME.pem and NAME.key signed by it with the role in the "
        "certificate; --revoke lists NAMEs in DIR/crl.pem (nodes read it "
        "with fovea.crl). docs/security.md says what each role may do."}},
      {"dataset",
       {"usage: fovea dataset fashion-mnist [--split test|train] --out DIR "
        "[--source DIR]",
        "Writes a data set as PNG files plus DIR/truth.csv (path,label), for "
        "`--truth` of submit and classify. Fashion-MNIST comes from Debian's "
        "package (scripts/install-deps installs it)."}},
      {"version",
       {"usage: fovea version (or fovea --version)",
        "This fovea's version, the libraries it was built with, and where "
        "its LibTorch module loads from."}},
    };
  return help;
}

// The help of `command`, or "" if it has none here.
std::string help_of(const std::string& command) {
  if (command == "submit")
    return fovea::job_help(fovea::job_command::submit);
  if (command == "classify")
    return fovea::job_help(fovea::job_command::classify);
  auto found = command_help().find(command);
  if (found == command_help().end())
    return {};
  return found->second.first + "\n\n"
         + fovea::wrap_help(found->second.second, "");
}

// `fovea help settings`: every key with its default and help, by subsystem.
std::string settings_overview() {
  fovea::fovea_config defaults;
  std::string text, subsystem;
  for (auto& s : fovea::settings_schema()) {
    if (s.subsystem != subsystem) {
      subsystem = std::string{s.subsystem};
      text += (text.empty() ? "" : "\n") + subsystem + ":\n";
    }
    text += "  fovea." + std::string{s.key} + " = "
            + fovea::value_text(s, defaults) + "\n"
            + fovea::wrap_help(s.help, "      ");
  }
  return text + "\n`fovea help KEY` says more about one; set them under "
                "[fovea] in a config file or as --fovea.KEY=VALUE.\n";
}

// fovea help [COMMAND | settings | KEY | model.ini]
int help_main(const fovea::arguments& args) {
  if (args.empty()) {
    std::cout << usage();
    return 0;
  }
  auto& topic = args[0];
  if (auto text = help_of(topic); !text.empty()) {
    std::cout << text;
    return 0;
  }
  if (topic == "settings") {
    std::cout << settings_overview();
    return 0;
  }
  if (topic == "model.ini") {
    std::cout << fovea::describe_manifest_keys();
    return 0;
  }
  if (auto s = fovea::find_setting(topic)) {
    std::cout << fovea::describe_setting(*s);
    return 0;
  }
  auto nearest = fovea::nearest_setting(topic);
  fovea::complain("fovea help: no command or setting '" + topic + "'"
                  + (nearest.empty() ? "" : "; did you mean " + nearest + "?")
                  + " (fovea help settings lists every key)");
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << usage();
    return 2;
  }
  std::string command = argv[1];
  fovea::arguments args(argv + 2, argv + argc);
  static const std::map<std::string, int (*)(const fovea::arguments&)>
    commands = {{"node", fovea::node_main},
                {"submit", fovea::submit_main},
                {"classify", fovea::classify_main},
                {"dataset", fovea::dataset_main},
                {"shell", fovea::shell_main},
                {"run", fovea::run_main},
                {"certs", fovea::certs_main},
                {"version", fovea::version_main},
                {"--version", fovea::version_main},
                {"help", help_main},
                {"--help", help_main},
                {"-h", help_main}};
  // Every command's --help, before the command reads its arguments.
  auto wants_help = std::find_if(args.begin(), args.end(), [](auto& arg) {
                      return arg == "--help" || arg == "-h";
                    }) != args.end();
  if (auto text = help_of(command); wants_help && !text.empty()) {
    std::cout << text;
    return 0;
  }
  if (auto found = commands.find(command); found != commands.end()) {
    auto code = found->second(args);
    // Every command has synced and closed what it wrote by now. What the
    // static destructors would do after this (LibTorch's operator tables,
    // CAF's and OpenCV's globals) is freeing memory the process gives back
    // anyway: 94 ms of `fovea classify`'s run here (strace -f -tt). The
    // sanitizer build exits normally, so that LeakSanitizer still looks.
#ifndef __SANITIZE_ADDRESS__
    std::fflush(nullptr);
    std::_Exit(code);
#else
    return code;
#endif
  }
  fovea::complain("fovea: unknown command '" + command + "'\n" + usage());
  return 2;
}
