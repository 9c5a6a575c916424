#include "jobs/evaluation.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unordered_map>

#include "jobs/csv.hpp"
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

caf::error bad(const std::string& file, size_t line, const std::string& why) {
  return make_error(errc::bad_config,
                    file + ":" + std::to_string(line) + ": " + why);
}

bool parse_label(const std::string& text, int& out) {
  try {
    size_t used = 0;
    out = std::stoi(text, &used);
    return used == text.size();
  } catch (const std::exception&) {
    return false;
  }
}

} // namespace

double evaluation::class_accuracy(size_t label) const {
  return totals_[label] ? double(confusion[label][label]) / totals_[label]
                        : 0.0;
}

caf::expected<evaluation> evaluate(const std::string& results_csv,
                                   const std::string& truth_csv) {
  std::unordered_map<std::string, int> truth;
  std::ifstream truth_in{truth_csv};
  if (!truth_in)
    return make_error(errc::bad_config, truth_csv + ": cannot read");
  std::string line;
  std::getline(truth_in, line);
  if (csv_fields(line) != std::vector<std::string>{"path", "label"})
    return bad(truth_csv, 1, "the header must be path,label");
  int max_label = -1;
  for (size_t n = 2; std::getline(truth_in, line); ++n) {
    auto f = csv_fields(line);
    int label = 0;
    if (f.size() != 2 || !parse_label(f[1], label) || label < 0)
      return bad(truth_csv, n, "expected PATH,LABEL with a label >= 0");
    truth[canonical(f[0])] = label;
    max_label = std::max(max_label, label);
  }
  evaluation eval;
  std::ifstream results_in{results_csv};
  if (!results_in)
    return make_error(errc::bad_config, results_csv + ": cannot read");
  std::getline(results_in, line);
  // Six columns, seven since the model column, eight with top_k.
  auto columns = csv_fields(line).size();
  if (columns < 6 || columns > 8)
    return bad(results_csv, 1, "not a fovea results header");
  std::vector<std::pair<int, int>> pairs; // (truth, predicted or -1)
  for (size_t n = 2; std::getline(results_in, line); ++n) {
    auto f = csv_fields(line);
    int predicted = 0;
    if (f.size() != columns || !parse_label(f[1], predicted))
      return bad(results_csv, n, "not a fovea results row");
    if (predicted >= 0) {
      if (eval.class_names.size() <= size_t(predicted))
        eval.class_names.resize(predicted + 1);
      eval.class_names[predicted] = f[2];
    }
    auto found = truth.find(canonical(f[0]));
    if (found == truth.end()) {
      ++eval.untruthed;
      continue;
    }
    pairs.emplace_back(found->second, predicted);
    max_label = std::max(max_label, predicted);
  }
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
