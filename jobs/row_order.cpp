#include "jobs/row_order.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <memory>
#include <unistd.h>
#include <utility>
#include <vector>

#include <caf/expected.hpp>

#include "jobs/csv.hpp"
#include "jobs/results_file.hpp"
#include "messages/errors.hpp"

namespace fovea {

namespace {

using file_ptr = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;

file_ptr open_file(const std::string& path, const char* mode) {
  return {std::fopen(path.c_str(), mode), &std::fclose};
}

bool put(std::FILE* file, const char* data, size_t size) {
  return std::fwrite(data, 1, size, file) == size;
}

// A record as the partial file holds it: its input index, then the row.
struct indexed_row {
  uint64_t index = 0;
  std::string record; ///< "index,path,...\n"

  bool operator>(const indexed_row& other) const { return index > other.index; }
};

bool parse_index(indexed_row& row) {
  auto& text = row.record;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), row.index);
  return ec == std::errc{} && end != text.data() + text.size() && *end == ',';
}

// Writes a row with its leading "index," (a run file) or without it (the
// output); false if the file refused it.
bool put_row(std::FILE* file, const indexed_row& row, bool keep_index) {
  auto& record = row.record;
  if (keep_index)
    return put(file, record.data(), record.size());
  auto comma = record.find(',');
  return put(file, record.data() + comma + 1, record.size() - comma - 1);
}

// Reads `from`'s records one at a time, checking each has an index.
class row_source {
public:
  row_source(std::string path, file_ptr file)
      : path_(std::move(path)), file_(std::move(file)) {}

  // The next row into `row`; false at the end or on an error (see error()).
  bool next(indexed_row& row) {
    if (!read_csv_record(file_.get(), row.record)) {
      if (std::ferror(file_.get()))
        error_ = file_error(path_, "cannot read rows");
      return false;
    }
    if (!parse_index(row)) {
      error_ = make_error(errc::storage_failed,
                          path_ + ": a row without an input index: " +
                              row.record.substr(0, 80));
      return false;
    }
    return true;
  }

  caf::error& error() { return error_; }

private:
  std::string path_;
  file_ptr file_;
  caf::error error_;
};

// The run files of one sort; removed when it ends, whatever its outcome.
class run_files {
public:
  explicit run_files(std::string stem) : stem_(std::move(stem)) {}
  run_files(const run_files&) = delete;
  run_files& operator=(const run_files&) = delete;
  ~run_files() {
    for (auto& path : made_)
      ::unlink(path.c_str());
  }

  // A new run file filled by `fill(file, path)`: its path, or the error.
  template <class Fill>
  caf::expected<std::string> write(Fill fill) {
    made_.push_back(stem_ + ".run-" + std::to_string(count_++));
    auto& path = made_.back();
    auto run = open_file(path, "w");
    if (!run)
      return file_error(path, "cannot create a sort run");
    if (auto err = fill(run.get(), path))
      return err;
    if (std::fflush(run.get()) != 0)
      return file_error(path, "cannot write a sort run");
    return path;
  }

  void forget(const std::string& path) {
    ::unlink(path.c_str());
    made_.erase(std::find(made_.begin(), made_.end(), path));
  }

private:
  std::string stem_;
  std::vector<std::string> made_;
  size_t count_ = 0; ///< names are never reused, even after forget()
};

// Writes rows to `file`, with their index (a run file) or without (the
// output); an error names `path`.
caf::error write_rows(const std::vector<indexed_row>& rows, std::FILE* file,
                      const std::string& path, bool keep_index) {
  for (auto& row : rows)
    if (!put_row(file, row, keep_index))
      return file_error(path, "cannot write rows");
  return caf::none;
}

// Merges the runs `paths` into `file` (with or without the index column).
caf::error merge(const std::vector<std::string>& paths, std::FILE* file,
                 const std::string& path, bool keep_index) {
  std::vector<row_source> sources;
  sources.reserve(paths.size());
  // A min-heap of each run's next row (std::*_heap keep the greatest
  // first, hence `later`).
  using entry = std::pair<indexed_row, size_t>; // the row, its source
  auto later = [](const entry& a, const entry& b) { return a.first > b.first; };
  std::vector<entry> heads;
  auto push = [&](indexed_row row, size_t from) {
    heads.emplace_back(std::move(row), from);
    std::push_heap(heads.begin(), heads.end(), later);
  };
  for (auto& run : paths) {
    auto run_file = open_file(run, "r");
    if (!run_file)
      return file_error(run, "cannot read a sort run");
    sources.emplace_back(run, std::move(run_file));
    indexed_row row;
    if (sources.back().next(row))
      push(std::move(row), sources.size() - 1);
    else if (auto& err = sources.back().error())
      return std::move(err);
  }
  while (!heads.empty()) {
    std::pop_heap(heads.begin(), heads.end(), later);
    auto [row, from] = std::move(heads.back());
    heads.pop_back();
    if (!put_row(file, row, keep_index))
      return file_error(path, "cannot write rows");
    if (sources[from].next(row))
      push(std::move(row), from);
    else if (auto& err = sources[from].error())
      return std::move(err);
  }
  return caf::none;
}

caf::error finish(std::FILE* file, const std::string& path) {
  if (std::fflush(file) != 0 || ::fsync(fileno(file)) != 0)
    return file_error(path, "cannot write rows");
  return caf::none;
}

} // namespace

caf::error order_rows(const std::string& from, const std::string& to,
                      row_order_limits limits) {
  auto in = open_file(from, "r");
  if (!in)
    return file_error(from, "cannot read rows");
  std::string header;
  const std::string index = index_column;
  if (!read_csv_record(in.get(), header) || header.rfind(index, 0) != 0)
    return make_error(errc::storage_failed,
                      from + ": no header with an index column");
  row_source source{from, std::move(in)};
  auto out = open_file(to, "w");
  if (!out)
    return file_error(to, "cannot create results file");
  if (!put(out.get(), header.data() + index.size(),
           header.size() - index.size()))
    return file_error(to, "cannot write rows");
  run_files runs{to};
  std::vector<std::string> pending;
  std::vector<indexed_row> slice;
  // Each row costs its bytes plus the string's and index's own.
  constexpr size_t row_overhead = sizeof(indexed_row);
  size_t held = 0;
  bool more = true;
  while (more) {
    indexed_row row;
    more = source.next(row);
    if (auto& err = source.error())
      return std::move(err);
    if (more) {
      held += row.record.size() + row_overhead;
      slice.push_back(std::move(row));
    }
    if (held < limits.memory_budget && more)
      continue;
    std::sort(slice.begin(), slice.end(),
              [](auto& a, auto& b) { return a.index < b.index; });
    if (!more && pending.empty()) { // it all fit: no run files at all
      if (auto err = write_rows(slice, out.get(), to, false))
        return err;
      return finish(out.get(), to);
    }
    auto run = runs.write([&](std::FILE* file, const std::string& path) {
      return write_rows(slice, file, path, true);
    });
    if (!run)
      return std::move(run.error());
    pending.push_back(std::move(*run));
    slice.clear();
    held = 0;
  }
  // Merge in passes while more runs remain than may be open at once.
  auto fan_in = std::max<size_t>(limits.max_fan_in, 2);
  while (pending.size() > fan_in) {
    std::vector<std::string> merged;
    for (size_t i = 0; i < pending.size(); i += fan_in) {
      std::vector<std::string> group(pending.begin() + i,
                                     pending.begin() +
                                         std::min(i + fan_in, pending.size()));
      auto run = runs.write([&](std::FILE* file, const std::string& path) {
        return merge(group, file, path, true);
      });
      if (!run)
        return std::move(run.error());
      for (auto& done : group)
        runs.forget(done);
      merged.push_back(std::move(*run));
    }
    pending = std::move(merged);
  }
  if (auto err = merge(pending, out.get(), to, false))
    return err;
  return finish(out.get(), to);
}

} // namespace fovea
