#include "jobs/results_writer.hpp"

#include <cerrno>
#include <filesystem>
#include <unistd.h>

#include "jobs/results_file.hpp"
#include "jobs/row_order.hpp"
#include "jobs/sync_directory.hpp"
#include "messages/errors.hpp"

namespace fovea {

namespace {

std::string partial_name(const std::string& out) {
  return out + ".partial";
}

} // namespace

caf::expected<results_writer> results_writer::open(std::string out,
                                                   uint64_t total,
                                                   uint32_t top_k,
                                                   bool input_order) {
  auto tmp = partial_name(out);
  auto file = std::fopen(tmp.c_str(), "w");
  if (!file)
    return file_error(tmp, "cannot create results file");
  results_writer writer{std::move(out), file, total};
  writer.ranked_ = top_k > 0;
  writer.input_order_ = input_order;
  auto header = results_header(writer.ranked_, input_order);
  if (std::fputs(header.c_str(), file) < 0)
    writer.write_errno_ = errno != 0 ? errno : EIO;
  return writer;
}

results_writer::results_writer(std::string out, std::FILE* file,
                               uint64_t total)
  : out_(std::move(out)), file_(file), seen_(total, false) {
}

results_writer::results_writer(results_writer&& other) noexcept
  : out_(std::move(other.out_)),
    file_(std::exchange(other.file_, nullptr)),
    seen_(std::move(other.seen_)),
    written_(other.written_),
    errors_(other.errors_),
    write_errno_(other.write_errno_),
    ranked_(other.ranked_),
    input_order_(other.input_order_) {
}

results_writer::~results_writer() {
  if (file_)
    std::fclose(file_); // left as .partial: an unfinished job is not a result
}

void results_writer::discard() {
  if (file_)
    std::fclose(file_);
  file_ = nullptr;
  std::remove(partial_name(out_).c_str());
}

bool results_writer::write(const prediction& row) {
  if (row.index >= seen_.size() || seen_[row.index])
    return false;
  seen_[row.index] = true;
  ++written_;
  if (!row.ok())
    ++errors_;
  char score[32];
  std::snprintf(score, sizeof(score), "%.6f", row.ok() ? row.score : 0.0f);
  auto line = input_order_ ? std::to_string(row.index) + ',' : std::string{};
  line += csv_quote(row.path) + ',' + std::to_string(row.label) + ','
          + csv_quote(row.class_name) + ',' + score + ','
          + csv_quote(row.worker) + ',' + csv_quote(row.error) + ','
          + csv_quote(row.model);
  if (ranked_) {
    // "label:score" pairs, best first, separated by spaces.
    line += ',';
    for (size_t i = 0; i < row.top_labels.size() && i < row.top_scores.size();
         ++i) {
      std::snprintf(score, sizeof(score), "%s%d:%.6f", i > 0 ? " " : "",
                    row.top_labels[i], row.top_scores[i]);
      line += score;
    }
  }
  line += '\n';
  if (write_errno_ == 0
      && std::fwrite(line.data(), 1, line.size(), file_) != line.size())
    write_errno_ = errno != 0 ? errno : EIO;
  return true;
}

caf::error results_writer::failure() const {
  if (write_errno_ == 0)
    return caf::none;
  return file_error(partial_name(out_), "cannot write results", write_errno_);
}

caf::error results_writer::commit() {
  auto tmp = partial_name(out_);
  if (!file_)
    return make_error(errc::invalid_request, out_ + ": committed already");
  if (!complete())
    return make_error(errc::invalid_request,
                      tmp + ": " + std::to_string(total() - written_)
                        + " inputs have no row yet");
  if (auto err = failure())
    return err;
  if (std::fflush(file_) != 0 || ::fsync(fileno(file_)) != 0)
    return file_error(tmp, "cannot write results");
  std::fclose(std::exchange(file_, nullptr));
  auto ready = tmp;
  if (input_order_) {
    ready = out_ + ".ordered";
    if (auto err = order_rows(tmp, ready)) {
      ::unlink(ready.c_str());
      return err;
    }
  }
  if (std::rename(ready.c_str(), out_.c_str()) != 0)
    return file_error(out_, "cannot move results into place");
  if (input_order_)
    ::unlink(tmp.c_str()); // its rows are all in out_ now
  // The rename itself must last: the client next tells the coordinator,
  // which then forgets the job's journal.
  return sync_directory(directory_of(out_));
}

} // namespace fovea
