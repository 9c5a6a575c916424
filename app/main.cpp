// fovea: distributed image recognition on the C++ Actor Framework.
//
// This file only picks the subcommand; each lives in its own file.
#include <cstring>
#include <iostream>
#include <map>

#include "app/console.hpp"
#include "app/subcommands.hpp"

namespace {

constexpr const char* usage = R"(usage: fovea COMMAND [ARGS]

commands:
  node --config FILE [--fovea.KEY=VALUE ...]
      run a coordinator or worker node, as the config's fovea.role says
  submit --coordinator HOST:PORT INPUT... [--out results.csv] [--job NAME]
         [--model NAME[@VERSION]] [--top-k K] [--order input]
         [--truth truth.csv]
      classify INPUTs on a running cluster
  classify INPUT... [--out results.csv] [--workers N] [--model DIR]
           [--top-k K] [--order input] [--truth truth.csv]
      classify INPUTs in this process (coordinator and N workers, no network)
  dataset fashion-mnist [--split test|train] --out DIR [--source DIR]
      write a data set as PNG files plus DIR/truth.csv (path,label)
  shell [HOST:PORT] [--config FILE] [--fovea.KEY=VALUE ...]
      an operator's console to a running cluster (`help` inside lists the
      commands); reads commands from stdin when it is not a terminal
  run SCRIPT [--dir DIR]
      a scripted cluster run: start nodes, run shell commands, check
      `expect` lines; node logs go to DIR (default runs/TIMESTAMP)
  certs DIR NAME... [--role coordinator|worker|client|operator] [--days N]
      a cluster's certificates: DIR/ca.pem (made once), DIR/NAME.pem and
      DIR/NAME.key signed by it, with the role in the certificate
  certs DIR --revoke NAME...
      list NAMEs in DIR/crl.pem (nodes read it with fovea.crl)
  version (or --version)
      this fovea's version, the libraries it was built with, and where its
      LibTorch module loads from
  help
      show this text

Nodes, submit and shell take fovea.certificate, fovea.key and fovea.ca (in
the config file or as --fovea.KEY=VALUE) to talk TLS; see README,
"Securing a cluster".

INPUT is an image file (PNG or JPEG), a directory (walked recursively) or a
.txt file listing one path per line. The results file has one row per input:
path,label,class,score,worker,error,model (and top_k with --top-k), in the
order results arrive, or in the order of the inputs with --order input. With
--truth, accuracy per class is printed and the confusion matrix drawn next to
the results file. Exit codes: 0 success, 1 the job failed, 2 bad usage,
configuration or model.
)";

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << usage;
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
                {"--version", fovea::version_main}};
  if (auto found = commands.find(command); found != commands.end())
    return found->second(args);
  if (command == "help" || command == "--help" || command == "-h") {
    std::cout << usage;
    return 0;
  }
  fovea::complain("fovea: unknown command '" + command + "'\n" + usage);
  return 2;
}
