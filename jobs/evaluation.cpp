#include "jobs/evaluation.hpp"

#include <cstdio>
#include <filesystem>
#include <unordered_map>

#include "jobs/results_file.hpp"
#include "messages/errors.hpp"

namespace fovea {

namespace {

// Absolute first: weakly_canonical leaves "x.png" relative when x.png does
// not exist, yet resolves "./x.png"; both must name the same input.
std::string canonical(const std::string& path) {
  std::error_code ec;
  auto p = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec),
                                             ec);
  return ec ? path : p.string();
}

} // namespace

double evaluation::class_accuracy(size_t label) const {
  return totals_[label] ? double(confusion[label][label]) / totals_[label]
                        : 0.0;
}

caf::expected<evaluation> evaluate(const std::string& results_csv,
                                   const std::string& truth_csv) {
  std::unordered_map<std::string, int> truth;
  int max_label = -1;
  auto read = read_truth(truth_csv, [&](std::string& path, int label) {
    truth[canonical(path)] = label;
    max_label = std::max(max_label, label);
  });
  if (read)
    return read;
  evaluation eval;
  std::vector<std::pair<int, int>> pairs; // (truth, predicted or -1)
  read = read_results(results_csv, [&](results_row& row) {
    if (row.label >= 0) {
      if (eval.class_names.size() <= size_t(row.label))
        eval.class_names.resize(row.label + 1);
      eval.class_names[row.label] = row.class_name;
    }
    auto found = truth.find(canonical(row.path));
    if (found == truth.end()) {
      ++eval.untruthed;
      return caf::error{};
    }
    pairs.emplace_back(found->second, row.label);
    max_label = std::max(max_label, row.label);
    return caf::error{};
  });
  if (read)
    return read;
  auto classes = static_cast<size_t>(max_label + 1);
  eval.class_names.resize(classes);
  for (size_t i = 0; i < classes; ++i)
    if (eval.class_names[i].empty())
      eval.class_names[i] = std::to_string(i);
  eval.confusion.assign(classes, std::vector<uint64_t>(classes, 0));
  eval.totals_.assign(classes, 0);
  for (auto [actual, predicted] : pairs) {
    ++eval.scored;
    ++eval.totals_[actual];
    if (predicted < 0) {
      ++eval.errors;
      continue;
    }
    ++eval.confusion[actual][predicted];
    if (actual == predicted)
      ++eval.correct;
  }
  return eval;
}

std::string format_report(const evaluation& eval) {
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "accuracy %.4f (%llu of %llu correct, %llu errors, %llu rows "
                "without truth)\n",
                eval.accuracy(), static_cast<unsigned long long>(eval.correct),
                static_cast<unsigned long long>(eval.scored),
                static_cast<unsigned long long>(eval.errors),
                static_cast<unsigned long long>(eval.untruthed));
  std::string report = buf;
  for (size_t c = 0; c < eval.class_names.size(); ++c) {
    std::snprintf(buf, sizeof(buf), "  %2zu %-14s %.4f (%llu images)\n", c,
                  eval.class_names[c].c_str(), eval.class_accuracy(c),
                  static_cast<unsigned long long>(eval.class_total(c)));
    report += buf;
  }
  return report;
}

} // namespace fovea
