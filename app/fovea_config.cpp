#include "app/fovea_config.hpp"

#include <fstream>
#include <map>
#include <thread>
#include <unistd.h>

#include <caf/io/middleman.hpp>
#include <caf/pec.hpp>
#include <caf/settings.hpp>

#include "messages/register_types.hpp"

namespace fovea {

namespace {

using namespace std::chrono_literals;

// The file a parse error points into, if it came from a config file.
std::string config_file_of(const caf::settings& content) {
  return caf::get_or(content, "config-file", std::string{"the config file"});
}

// CAF reports parse errors as codes with a dictionary of details; this turns
// them into one line that names the file, line and key or argument.
std::string explain(const caf::error& err, const caf::settings& content) {
  if (err.category() == caf::atom("system"))
    return "cannot open config file " + config_file_of(content);
  if (err.category() != caf::atom("parser"))
    return caf::to_string(err);
  auto what = caf::to_string(static_cast<caf::pec>(err.code()));
  std::replace(what.begin(), what.end(), '_', ' ');
  if (!err.context().match_elements<caf::settings>())
    return "configuration error: " + what;
  auto& details = err.context().get_as<caf::settings>(0);
  if (auto arg = caf::get_if<std::string>(&details, "argument"))
    return "command line option " + *arg + ": " + what
           + (err.code() == static_cast<uint8_t>(caf::pec::not_an_option)
                ? " (see `fovea help`)"
                : "");
  auto line = caf::get_or(details, "line", int64_t{0});
  auto column = caf::get_or(details, "column", int64_t{0});
  return config_file_of(content) + ":" + std::to_string(line) + ":"
         + std::to_string(column) + ": " + what
         + " (values are numbers, durations like 5s, or \"quoted strings\")";
}

// The line of `key` in `section` of an INI file, for messages (0 if the
// key is not found written out plainly).
int line_of(const std::string& file, const std::string& section,
            const std::string& key) {
  std::ifstream in{file};
  std::string current;
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos)
      continue;
    if (line[first] == '[') {
      auto end = line.find(']', first);
      current = line.substr(first + 1, end - first - 1);
    } else if (current == section && line.compare(first, key.size(), key) == 0
               && line.find_first_not_of(" \t", first + key.size())
                    == line.find('=', first)) {
      return number;
    }
  }
  return 0;
}

} // namespace

fovea_config::fovea_config() {
  load<caf::io::middleman>();
  register_types(*this);
  // CAF never notices a frozen peer unless both are set; these defaults
  // apply to every fovea process, and configs may override them.
  set("middleman.heartbeat-interval", caf::timespan{1s});
  set("middleman.connection-timeout", caf::timespan{5s});
  // CAF's default work-stealing scheduler keeps idle threads polling and
  // napping 50 us at a time; a fovea process has a few busy actors and the
  // cores belong to LibTorch, so threads that sleep on a shared queue until
  // there is work cost less: measured 1,560-1,630 -> 1,770-1,860 images/s
  // for `fovea classify --workers 2` on 2 cores (bench/run).
  set("scheduler.policy", caf::atom("sharing"));
  opt_group{custom_options_, "fovea"}
    .add(role, "role", "node role: coordinator or worker")
    .add(id, "id", "unique node id (default: host-pid)");
  opt_group{custom_options_, "fovea"}
    .add(host, "host", "address a coordinator listens on")
    .add(port, "port", "port a coordinator listens on (0: any free port)")
    .add(coordinator, "coordinator", "HOST:PORT of the coordinator to join")
    .add(connect_timeout, "connect-timeout",
         "how long to keep trying to reach the coordinator");
  opt_group{custom_options_, "fovea"}
    .add(model, "model", "model directory (model.pt, labels.txt, model.ini)")
    .add(slots, "slots", "task batches a worker accepts at once")
    .add(threads, "threads", "LibTorch intra-op threads per process")
    .add(batch_size, "batch-size", "tasks per batch sent to a worker")
    .add(task_timeout, "task-timeout",
         "time a worker has for one batch before it is sent elsewhere")
    .add(max_attempts, "max-attempts",
         "dispatches of one input before it is given up as poison")
    .add(journal_dir, "journal-dir",
         "where a coordinator journals named jobs, to resume them after a "
         "crash (empty: no journal)");
  opt_group{custom_options_, "fovea"}
    .add(decode_threads, "decode-threads",
         "threads of a worker that decode images while its model runs")
    .add(max_batch_size, "max-batch-size",
         "most images in one forward pass (default: the model's)")
    .add(preferred_batch_sizes, "preferred-batch-sizes",
         "batch sizes run without waiting (default: the model's)")
    .add(max_queue_delay, "max-queue-delay",
         "longest wait for a fuller batch (default: the model's)");
  opt_group{custom_options_, "fovea"}
    .add(max_pixels, "max-pixels",
         "largest width x height a worker decodes (checked from the header)")
    .add(max_image_bytes, "max-image-bytes",
         "largest input file, refused before it is read");
}

std::string fovea_config::configure(std::vector<std::string> args) {
  if (auto err = parse(std::move(args)))
    return explain(err, content);
  // CAF 0.17 ignores unknown keys in a config file, and skips a value of
  // the wrong type without a word, leaving the default in place: neither may
  // pass. So the file is read again, raw, and fovea's section checked here.
  if (auto file = caf::get_if<std::string>(&content, "config-file")) {
    auto raw = parse_config_file(file->c_str());
    if (!raw)
      return explain(raw.error(), content);
    if (auto section = caf::get_if<caf::settings>(&*raw, "fovea"))
      if (auto [key, problem] = check_section(*section); !problem.empty())
        return *file + ":" + std::to_string(line_of(*file, "fovea", key))
               + ": " + problem;
  }
  if (slots == 0)
    return "fovea.slots must be at least 1";
  if (batch_size == 0)
    return "fovea.batch-size must be at least 1";
  if (max_attempts == 0)
    return "fovea.max-attempts must be at least 1";
  if (max_pixels == 0 || max_image_bytes == 0)
    return "fovea.max-pixels and fovea.max-image-bytes must be at least 1";
  if (decode_threads == 0 || decode_threads > 64)
    return "fovea.decode-threads must be from 1 to 64";
  if (threads < 0)
    return "fovea.threads must be 0 (LibTorch's default) or more";
  return {};
}

std::pair<std::string, std::string>
fovea_config::check_section(const caf::settings& section) const {
  std::map<std::string, const caf::config_option*> known;
  auto text = [](caf::string_view x) { return std::string{x.data(), x.size()}; };
  for (auto& opt : custom_options_)
    if (text(opt.category()) == "fovea")
      known.emplace(text(opt.long_name()), &opt);
  for (auto& [key, value] : section) {
    auto opt = known.find(key);
    if (opt == known.end()) {
      std::string list;
      for (auto& [k, _] : known)
        list += (list.empty() ? "" : ", ") + k;
      return {key, "unknown key fovea." + key + " (known keys: " + list + ")"};
    }
    if (opt->second->check(value))
      return {key, "fovea." + key + " = " + caf::to_string(value)
                     + ": expected a value of type "
                     + text(opt->second->type_name())};
  }
  return {};
}

std::string fovea_config::node_id() const {
  if (!id.empty())
    return id;
  return host_name() + "-" + std::to_string(::getpid());
}

std::string fovea_config::inference_setup(const model_manifest& manifest,
                                          const std::string& worker_id,
                                          inference_options& out) const {
  out.worker_id = worker_id;
  out.limits = decode_limits{max_pixels};
  out.decoders = decode_threads;
  out.batching = manifest.batching;
  auto set = [this](const char* key) {
    return caf::get_if(&content, std::string{"fovea."} + key) != nullptr;
  };
  if (set("max-batch-size"))
    out.batching.max_batch_size = max_batch_size;
  if (set("preferred-batch-sizes"))
    out.batching.preferred_batch_sizes.assign(preferred_batch_sizes.begin(),
                                              preferred_batch_sizes.end());
  if (set("max-queue-delay"))
    out.batching.max_queue_delay
      = std::chrono::duration_cast<std::chrono::microseconds>(max_queue_delay);
  if (auto problem = out.batching.check(); !problem.empty())
    return "batching of model " + manifest.label() + " (model.ini [batching] "
           "and fovea.* overrides): " + problem;
  return {};
}

void fovea_config::reserve_threads_for_inference(size_t blocking) {
  if (caf::get_if(&content, "scheduler.max-threads"))
    return;
  auto cores = std::max(1u, std::thread::hardware_concurrency());
  set("scheduler.max-threads", static_cast<size_t>(cores) + blocking);
}

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0')
    return "localhost";
  return name;
}

} // namespace fovea
