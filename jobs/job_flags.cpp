#include "jobs/job_flags.hpp"

namespace fovea {

namespace {

constexpr unsigned submit = unsigned(job_command::submit);
constexpr unsigned classify = unsigned(job_command::classify);
constexpr unsigned shell = unsigned(job_command::shell_submit);
constexpr unsigned any = submit | classify | shell;

std::string_view name_of(job_command command) {
  switch (command) {
    case job_command::submit:
      return "fovea submit";
    case job_command::classify:
      return "fovea classify";
    default:
      return "submit";
  }
}

std::string_view what_it_does(job_command command) {
  switch (command) {
    case job_command::submit:
      return "Classifies INPUTs on a running cluster and writes one row per "
             "input to the results file.";
    case job_command::classify:
      return "Classifies INPUTs in this process: a coordinator and N worker "
             "actors, no network, the same actors and messages.";
    default:
      return "Classifies INPUTs (read by this shell's process) on the "
             "connected cluster; waits for the job unless --detach.";
  }
}

} // namespace

const std::vector<job_flag>& job_flags() {
  static const std::vector<job_flag> table{
    {"coordinator", "HOST:PORT", "the coordinator to send the job to",
     submit, "fovea.coordinator", true},
    {"out", "results.csv",
     "the results file (default results.csv); written as .partial, renamed "
     "when every input has its row",
     any},
    {"job", "NAME",
     "name the job: it is journaled (with fovea.journal-dir) and the same "
     "command resumes it",
     submit | shell},
    {"model", "NAME[@VERSION]",
     "the model to run: a name (its newest version) or name@version "
     "(default: the one the cluster serves)",
     submit | shell},
    {"model", "DIR|NAME[@VERSION]",
     "a model folder, a NAME/VERSION/ repository, or NAME[@VERSION] of the "
     "model repository (default: fashion-mnist@1)",
     classify, "fovea.model"},
    {"workers", "N", "worker actors in this process (default: one per core)",
     classify},
    {"threads", "N", "LibTorch threads per worker (fovea.threads)", classify,
     "fovea.threads"},
    {"slots", "N", "batches each worker holds at once (fovea.slots)",
     classify, "fovea.slots"},
    {"batch-size", "N", "tasks per batch (fovea.batch-size)", classify,
     "fovea.batch-size"},
    {"top-k", "K",
     "add a top_k column: the K best classes as label:score (1 to 100)",
     any},
    {"order", "input|arrival",
     "rows in the order of the inputs, or as they arrive (default)", any},
    {"truth", "truth.csv",
     "score the results against path,label rows: accuracy per class and a "
     "confusion matrix next to the results file",
     any},
    {"list-skipped", "",
     "name each file the walk left out (not PNG or JPEG, symlinked "
     "directories)",
     any},
    {"shared", "",
     "the local INPUTs are on a file system every worker mounts at the same "
     "path: workers read them beneath fovea.shared-roots, this client does "
     "not",
     any},
    {"detach", "", "return at once; `wait JOB` waits for it later", shell},
  };
  return table;
}

std::string wrap_help(std::string_view text, std::string_view indent) {
  std::string out, line{indent};
  size_t at = 0;
  while (at < text.size()) {
    auto end = text.find(' ', at);
    auto word = text.substr(at, end == std::string_view::npos ? end : end - at);
    if (line.size() > indent.size() && line.size() + 1 + word.size() > 76) {
      out += line + "\n";
      line = indent;
    }
    if (line.size() > indent.size())
      line += ' ';
    line += word;
    at = end == std::string_view::npos ? text.size() : end + 1;
  }
  return out + line + "\n";
}

std::vector<job_flag> job_flags_of(job_command command) {
  std::vector<job_flag> flags;
  for (auto& flag : job_flags())
    if (flag.commands & unsigned(command))
      flags.push_back(flag);
  return flags;
}

std::string job_usage(job_command command) {
  std::string text = "usage: " + std::string{name_of(command)};
  auto flags = job_flags_of(command);
  auto written = [](const job_flag& flag) {
    return "--" + std::string{flag.name}
           + (flag.value.empty() ? "" : " " + std::string{flag.value});
  };
  for (auto& flag : flags)
    if (flag.required)
      text += " " + written(flag);
  text += " INPUT...";
  for (auto& flag : flags)
    if (!flag.required)
      text += " [" + written(flag) + "]";
  return text;
}

std::string job_help(job_command command) {
  auto text = wrap_help(job_usage(command), "") + "\n"
              + wrap_help(std::string{what_it_does(command)}
                          + " INPUT is a PNG or JPEG file, a directory "
                            "(walked recursively), a .txt file listing "
                            "one per line, an s3://BUCKET/KEY object or "
                            "s3://BUCKET/PREFIX/ (listed by this client), "
                            "or an https:// URL; workers read s3:// and "
                            "https:// inputs themselves.",
                        "")
              + "\n";
  for (auto& flag : job_flags_of(command)) {
    auto left = "  --" + std::string{flag.name}
                + (flag.value.empty() ? "" : " " + std::string{flag.value});
    text += left + "\n" + wrap_help(flag.help, "      ");
  }
  if (command != job_command::shell_submit)
    text += "  --config FILE, --fovea.KEY=VALUE\n"
            "      any setting (`fovea help settings`), e.g. certificates "
            "for TLS\n";
  return text;
}

} // namespace fovea
