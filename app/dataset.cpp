// fovea dataset fashion-mnist [--split test|train] --out DIR [--source DIR]
//
// Turns a published data set into PNG files and a truth.csv, ready for
// `fovea classify DIR --truth DIR/truth.csv`.
#include "app/command_line.hpp"
#include "app/console.hpp"
#include "app/subcommands.hpp"
#include "datasets/fashion_mnist.hpp"
#include "messages/errors.hpp"

namespace fovea {

int dataset_main(const arguments& args) {
  flag_spec spec;
  spec.own = {"split", "out", "source"};
  auto line = split_command_line(args, spec);
  auto usage = "usage: fovea dataset fashion-mnist [--split test|train] "
               "--out DIR [--source DIR]";
  if (!line.error.empty() || line.positional.size() != 1
      || line.positional[0] != "fashion-mnist" || !line.flags.count("out")
      || !line.caf_args.empty()) {
    complain("fovea dataset: "
             + (!line.error.empty()      ? line.error
                : line.positional.empty() ? std::string{"which data set?"}
                : line.positional[0] != "fashion-mnist"
                  ? "unknown data set " + line.positional[0]
                      + " (known: fashion-mnist)"
                  : std::string{"--out DIR is required"})
             + "\n" + usage);
    return 2;
  }
  auto split = line.flags.count("split") ? line.flags["split"] : "test";
  auto source = line.flags.count("source") ? line.flags["source"]
                                           : fashion_mnist_dir;
  auto out = line.flags["out"];
  while (out.size() > 1 && out.back() == '/')
    out.pop_back();
  auto images = load_fashion_mnist(source, split);
  if (!images) {
    complain("fovea dataset: " + describe(images.error()));
    return 2;
  }
  auto written = export_images(*images, out);
  if (!written) {
    complain("fovea dataset: " + describe(written.error()));
    return 1;
  }
  say("fovea dataset: wrote " + std::to_string(*written) + " " + split
      + " images and " + out + "/truth.csv");
  return 0;
}

} // namespace fovea
