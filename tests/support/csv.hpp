// Reads a results CSV back, quotes and all, for checking it in tests.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace fovea::test {

struct result_row {
  std::string path;
  int label = -1;
  std::string class_name;
  double score = 0;
  std::string worker;
  std::string error;
  std::string model; ///< name@version
  std::string top_k; ///< "label:score ..." with --top-k, else empty
};

struct results_file {
  std::string header;
  std::vector<result_row> rows;
};

results_file read_results(const std::filesystem::path& file);

/// Complete lines in `file` now (0 if it does not exist): the rows written
/// so far of a results file whose paths hold no line breaks, header included.
size_t count_lines(const std::filesystem::path& file);

/// Rows a client has written to `out`'s .partial file so far (flushed every
/// few KB), the header not counted.
size_t rows_written(const std::filesystem::path& out);

/// The whole of `file`, bytes as they are ("" if it cannot be read).
std::string file_text(const std::filesystem::path& file);

/// Checks a results file (Catch2 assertions): the exact header, every
/// expected path exactly once, no errors. Returns rows per worker.
std::map<std::string, int> check_results(const std::filesystem::path& file,
                                         const std::vector<std::string>& paths);

} // namespace fovea::test
