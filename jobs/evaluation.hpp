// Scoring a results file against the truth: accuracy, per-class accuracy and
// the confusion matrix. Inputs are matched by path (as canonical paths, so
// "./x.png" and "x.png" agree); an error row counts as a wrong answer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/expected.hpp>

namespace fovea {

struct evaluation {
  std::vector<std::string> class_names; ///< by label; from the results
  /// confusion[truth][predicted]; error rows are not in it.
  std::vector<std::vector<uint64_t>> confusion;
  uint64_t scored = 0;    ///< rows whose path has a truth label
  uint64_t correct = 0;
  uint64_t errors = 0;    ///< scored rows with an error instead of a label
  uint64_t untruthed = 0; ///< rows whose path is not in the truth file

  double accuracy() const { return scored ? double(correct) / scored : 0.0; }

  /// Correct answers among scored inputs of true class `label`.
  double class_accuracy(size_t label) const;

  /// Scored inputs whose true class is `label`, error rows included.
  uint64_t class_total(size_t label) const { return totals_[label]; }

  std::vector<uint64_t> totals_; ///< per true class, error rows included
};

/// Reads `results_csv` (fovea's format) and `truth_csv` (path,label).
caf::expected<evaluation> evaluate(const std::string& results_csv,
                                   const std::string& truth_csv);

/// Lines for people: overall accuracy, then one line per class.
std::string format_report(const evaluation& eval);

/// Draws the confusion matrix as a labelled heat map and writes it as PNG.
caf::error write_confusion_png(const evaluation& eval, const std::string& file);

} // namespace fovea
