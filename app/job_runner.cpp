#include "app/job_runner.hpp"

#include <algorithm>
#include <charconv>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <unistd.h>

#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/system_messages.hpp>

#include "app/console.hpp"
#include "app/reference_inputs.hpp"
#include "jobs/evaluation.hpp"
#include "jobs/progress_bar.hpp"
#include "jobs/results_writer.hpp"
#include "jobs/results_file.hpp"
#include "messages/errors.hpp"
#include "messages/model_label.hpp"

namespace fovea {

namespace {

// Scores the committed results against the truth; 0 or the exit code.
int report_accuracy(const job_request& request, job_summary* summary) {
  auto eval = evaluate(request.out, request.truth);
  if (!eval) {
    complain("fovea: --truth: " + describe(eval.error()));
    return 2;
  }
  if (summary)
    summary->accuracy = eval->accuracy();
  std::fputs(format_report(*eval).c_str(), stdout);
  auto picture = confusion_png_path(request.out);
  if (auto err = write_confusion_png(*eval, picture)) {
    complain("fovea: " + describe(err));
    return 1;
  }
  say("confusion matrix: " + picture);
  return 0;
}

// What the walk left out on purpose, said after the summary: nothing is
// dropped without a word. The job's own --truth file, in a folder of its
// images as `fovea dataset` writes it, is not news.
void report_skipped(const job_request& request, const walked_inputs& inputs) {
  auto not_images = inputs.not_images;
  std::erase_if(not_images, [&](const std::string& path) {
    std::error_code ec;
    return !request.truth.empty()
           && std::filesystem::equivalent(path, request.truth, ec);
  });
  if (request.list_skipped) {
    for (auto& path : not_images)
      say("fovea: skipped (not PNG or JPEG): " + path);
    for (auto& path : inputs.linked_directories)
      say("fovea: skipped (symlinked directory, not followed): " + path);
  }
  auto hint = request.list_skipped ? "" : " (--list-skipped names them)";
  if (!not_images.empty())
    say("fovea: " + std::to_string(not_images.size())
        + " files skipped: not PNG or JPEG" + hint);
  if (!inputs.linked_directories.empty())
    say("fovea: " + std::to_string(inputs.linked_directories.size())
        + " symlinked directories not followed" + hint);
}

} // namespace

flag_spec job_flag_spec(job_command command) {
  flag_spec spec;
  for (auto& flag : job_flags_of(command)) {
    std::string name{flag.name};
    if (!flag.setting.empty())
      spec.aliases[name] = std::string{flag.setting};
    else if (flag.value.empty())
      spec.switches.insert(name);
    else
      spec.own.insert(name);
  }
  return spec;
}

std::optional<job_request> read_job_command(job_command command,
                                            const arguments& args,
                                            fovea_config& cfg,
                                            command_line& line) {
  auto name = command == job_command::submit ? "submit" : "classify";
  line = split_command_line(args, job_flag_spec(command));
  if (!line.error.empty() || line.positional.empty()) {
    complain(std::string{"fovea "} + name + ": "
             + (line.error.empty() ? "no inputs given" : line.error) + "\n"
             + job_usage(command) + "\n(fovea " + name + " --help says more)");
    return std::nullopt;
  }
  if (auto problem = cfg.configure(line.caf_args); !problem.empty()) {
    complain(std::string{"fovea "} + name + ": " + problem);
    return std::nullopt;
  }
  auto request = job_request_from(line);
  if (auto problem = job_flags_problem(request); !problem.empty()) {
    complain(std::string{"fovea "} + name + ": " + problem);
    return std::nullopt;
  }
  return request;
}

job_request job_request_from(const command_line& line) {
  job_request request;
  request.inputs = line.positional;
  auto flag = [&](const char* name) {
    auto found = line.flags.find(name);
    return found == line.flags.end() ? std::string{} : found->second;
  };
  if (line.flags.count("out"))
    request.out = flag("out");
  request.name = flag("job");
  request.model = flag("model");
  request.top_k_flag = flag("top-k");
  request.order_flag = flag("order");
  request.truth = flag("truth");
  request.list_skipped = line.flags.count("list-skipped") > 0;
  request.shared = line.flags.count("shared") > 0;
  return request;
}

std::string job_flags_problem(job_request& request) {
  if (!parse_model_request(request.model))
    return "--model " + request.model + ": not NAME or NAME@VERSION (a name "
           "of letters, digits, '.', '_' or '-'; a version is a whole number)";
  if (auto& order = request.order_flag; !order.empty()) {
    if (order != "input" && order != "arrival")
      return "--order " + order + ": not input or arrival";
    request.input_order = order == "input";
  }
  // Checked before the job runs: exit 2 promises nothing was started.
  if (!request.truth.empty())
    if (auto problem = truth_file_problem(request.truth); !problem.empty())
      return "--truth " + request.truth + ": " + problem;
  if (request.top_k_flag.empty())
    return {};
  auto& text = request.top_k_flag;
  unsigned k = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), k);
  if (ec != std::errc{} || end != text.data() + text.size() || k < 1
      || k > 100)
    return "--top-k " + text + ": not a number from 1 to 100";
  request.top_k = k;
  return {};
}

std::string confusion_png_path(const std::string& out) {
  std::filesystem::path path{out};
  if (path.extension() == ".csv")
    path.replace_extension();
  return path.string() + ".confusion.png";
}

int run_job(caf::actor_system& sys, const job_request& request,
            client_options options, job_summary* out) {
  // A first pass counts the inputs; the client reads them in a second.
  // The client's own settings say how it lists S3 prefixes.
  // (fovea's commands all run on a fovea_config; any other lists nothing.)
  auto* cfg = dynamic_cast<const fovea_config*>(&sys.config());
  auto walk = cfg ? reference_walk(*cfg, request.shared)
                  : walk_options{request.shared, {}};
  return run_job(sys, request, walk_inputs(request.inputs, std::move(walk)),
                 std::move(options),
                 out);
}

void job_stop::stop() {
  std::lock_guard<std::mutex> guard{lock_};
  if (std::exchange(stopped_, true))
    return;
  if (on_stop_)
    on_stop_();
}

bool job_stop::stopped() const {
  std::lock_guard<std::mutex> guard{lock_};
  return stopped_;
}

void job_stop::attach(std::function<void()> on_stop) {
  std::lock_guard<std::mutex> guard{lock_};
  on_stop_ = std::move(on_stop);
  if (stopped_)
    on_stop_();
}

void job_stop::detach() {
  std::lock_guard<std::mutex> guard{lock_};
  on_stop_ = nullptr;
}

int run_job(caf::actor_system& sys, const job_request& request,
            walked_inputs walked, client_options options, job_summary* out,
            job_stop* stop) {
  auto started = std::chrono::steady_clock::now();
  auto total = walked.inputs.total;
  auto writer = results_writer::open(request.out, total, request.top_k,
                                     request.input_order);
  if (!writer) {
    complain("fovea: " + describe(writer.error()));
    return 2;
  }
  progress_bar bar{total, ::isatty(STDERR_FILENO) == 1};
  std::promise<caf::error> finished;
  // Set once, by the client's thread or by a stop from another.
  std::atomic<bool> settled = false;
  auto settle = [&](caf::error err) {
    if (!settled.exchange(true))
      finished.set_value(std::move(err));
  };
  options.inputs = walked.inputs;
  options.job_name = request.name;
  options.model = request.model;
  options.top_k = request.top_k;
  bool opened = false; // the coordinator took the job (set on its thread)
  options.on_job = [&opened, then = std::move(options.on_job)](uint64_t job) {
    opened = true;
    if (then)
      then(job);
  };
  // A job that waits says so, why and until when, rather than nothing.
  options.on_waiting = [](const std::string& note) {
    say(note.empty() ? "fovea: the job runs" : "fovea: the job waits: " + note);
  };
  // Both run on the client's thread; `finished` orders them before we read.
  options.on_row = [&](const prediction& row) {
    writer->write(row);
    bar.advance();
    // A results file that cannot grow (a full disk) stops the job now,
    // rather than after computing every row it cannot keep.
    if (auto err = writer->failure())
      settle(std::move(err));
  };
  // On the client's thread, once every row is in; the client then tells
  // the coordinator, which retires the job's journal.
  options.commit = [&] { return writer->commit(); };
  options.on_done = [&](const caf::error& err) {
    settle(err);
  };
  auto client_handle = sys.spawn(client, std::move(options));
  if (stop)
    stop->attach([&] { settle(make_error(errc::invalid_request, "stopped")); });
  auto err = finished.get_future().get();
  if (stop)
    stop->detach();
  if (err) {
    // The client may still be running (we stopped the job): end it, and
    // wait, so that nothing writes to `writer` while we read it below.
    caf::scoped_actor self{sys};
    self->monitor(client_handle);
    self->send_exit(client_handle, caf::exit_reason::user_shutdown);
    self->receive([](caf::down_msg&) {});
  }
  bar.finish();
  if (stop && stop->stopped()) {
    writer->discard(); // the job never meant anything: its caller says why
    return 2;
  }
  auto seconds = std::chrono::duration<double>(
                   std::chrono::steady_clock::now() - started)
                   .count();
  if (err && !opened && err.category() == error_category
      && err.code() == static_cast<uint8_t>(errc::invalid_request)) {
    // Refused as asked (a resume with changed files, say): the user must
    // change the command, as with a bad argument.
    complain("fovea: submit refused: " + describe(err));
    return 2;
  }
  if (err) {
    complain("fovea: job failed: " + describe(err) + "; "
             + std::to_string(writer->written()) + " of "
             + std::to_string(writer->total()) + " rows are in " + request.out
             + ".partial"
             + (request.name.empty()
                  ? std::string{}
                  : "\nfovea: if the coordinator keeps a journal "
                    "(fovea.journal-dir), the same command resumes job "
                    + request.name));
    return 1;
  }
  char summary[256];
  std::snprintf(summary, sizeof(summary),
                "fovea: %llu images, %llu errors, %.2f s, %.1f images/s -> %s",
                static_cast<unsigned long long>(writer->total()),
                static_cast<unsigned long long>(writer->errors()), seconds,
                seconds > 0 ? writer->total() / seconds : 0.0,
                request.out.c_str());
  say(summary);
  report_skipped(request, walked);
  if (out) {
    out->out = request.out;
    out->rows = writer->written();
    out->errors = writer->errors();
  }
  return request.truth.empty() ? 0 : report_accuracy(request, out);
}

} // namespace fovea
