// results_file: the two CSV formats fovea writes and reads back, owned in
// one place. The results file: path,label,class,score,worker,error,model,
// then top_k for a job that ranks classes; the partial file of a job in
// input order leads each line with its input index. A data set's truth
// file: path,label. Fields are quoted as RFC 4180 says whenever they hold a
// comma, a quote or a line break, and read back record by record
// (jobs/csv.hpp), so any path survives every writer and reader: the results
// writer, row_order, count_results, evaluation, the data set importer and
// the tests.
#pragma once

#include <functional>
#include <string>

#include <caf/error.hpp>

namespace fovea {

/// The header line of a results file, line break included; `indexed` for
/// the partial file of a job in input order.
std::string results_header(bool ranked, bool indexed = false);

/// What leads the header of an indexed partial file.
inline constexpr const char* index_column = "index,";

/// One CSV field, quoted when it holds a comma, quote or line break.
std::string csv_quote(const std::string& text);

/// One row of a results file as read back: the label as a number, the rest
/// as the text in the file.
struct results_row {
  std::string path;
  int label = -1;
  std::string class_name;
  std::string score;
  std::string worker;
  std::string error;
  std::string model; ///< name@version; "" in files from before that column
  std::string top_k; ///< "label:score ..." if the job ranked classes
};

/// Reads results file `path` row by row into `each`, whose error stops the
/// reading and is returned; files from before the model column (six
/// columns) are read too. An unreadable file (no_such_file), a header that
/// is not fovea's, a row with another number of fields or a label that is
/// not a whole number (invalid_request) is an error naming the file and,
/// for a row, its number.
caf::error read_results(const std::string& path,
                        const std::function<caf::error(results_row&)>& each);

/// The header of a truth file, and one of its rows; line breaks included.
std::string truth_header();
std::string truth_row(const std::string& path, int label);

/// Why `path` is not a truth file one can read, judged by its header
/// ("cannot read it", "not a truth file (...)"), or "": checked before a
/// job starts, while its rows are read_truth's to judge.
std::string truth_file_problem(const std::string& path);

/// Reads truth file `path` (a path,label header, then labels >= 0) into
/// `each`. Errors (bad_config) name the file and the row ("FILE:2: ...").
caf::error read_truth(const std::string& path,
                      const std::function<void(std::string&, int)>& each);

} // namespace fovea
