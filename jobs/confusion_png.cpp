// The confusion matrix as a picture a person reads at a glance: one row per
// true class (named on the left), one column per predicted class (numbered
// on top), each cell shaded by the share of its row and showing its count.
#include "jobs/evaluation.hpp"

#include <algorithm>
#include <cstdio>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "messages/errors.hpp"
#include "vision/image_codecs.hpp"

namespace fovea {

namespace {

constexpr int cell = 64;
constexpr int left = 190; // room for "9 Ankle boot"
constexpr int top = 110;  // title and column numbers
constexpr auto font = cv::FONT_HERSHEY_SIMPLEX;

void text(cv::Mat& img, const std::string& s, cv::Point at, double scale,
          cv::Scalar colour, int thickness = 1) {
  cv::putText(img, s, at, font, scale, colour, thickness, cv::LINE_AA);
}

// Centres `s` in the cell whose top-left corner is `corner`.
void centred(cv::Mat& img, const std::string& s, cv::Point corner,
             double scale, cv::Scalar colour) {
  int base = 0;
  auto size = cv::getTextSize(s, font, scale, 1, &base);
  text(img, s, {corner.x + (cell - size.width) / 2,
                corner.y + (cell + size.height) / 2},
       scale, colour);
}

} // namespace

caf::error write_confusion_png(const evaluation& eval, const std::string& file) {
  const int n = static_cast<int>(eval.class_names.size());
  cv::Mat img(top + n * cell + 40, left + n * cell + 20, CV_8UC3,
              cv::Scalar{255, 255, 255});
  const cv::Scalar black{0, 0, 0};
  char title[128];
  std::snprintf(title, sizeof(title), "accuracy %.4f on %llu images",
                eval.accuracy(), static_cast<unsigned long long>(eval.scored));
  text(img, title, {10, 32}, 0.8, black, 2);
  text(img, "rows: true class, columns: predicted class (share of row)",
       {10, 62}, 0.5, black);
  for (int col = 0; col < n; ++col)
    centred(img, std::to_string(col), {left + col * cell, top - cell + 10},
            0.6, black);
  for (int row = 0; row < n; ++row) {
    auto label = std::to_string(row) + " " + eval.class_names[row];
    text(img, label, {10, top + row * cell + cell / 2 + 6}, 0.55, black);
    auto total = std::max<uint64_t>(1, eval.class_total(row));
    for (int col = 0; col < n; ++col) {
      auto count = eval.confusion[row][col];
      double share = static_cast<double>(count) / total;
      // White to deep blue (BGR), so both small and large shares show.
      auto shade = [&](double full) { return 255 - (255 - full) * share; };
      cv::Scalar fill{shade(140), shade(60), shade(10)};
      cv::Point corner{left + col * cell, top + row * cell};
      cv::rectangle(img, cv::Rect{corner, cv::Size{cell, cell}}, fill,
                    cv::FILLED);
      cv::rectangle(img, cv::Rect{corner, cv::Size{cell, cell}},
                    cv::Scalar{200, 200, 200}, 1);
      if (count > 0)
        centred(img, std::to_string(count), corner, 0.5,
                share > 0.5 ? cv::Scalar{255, 255, 255} : black);
    }
  }
  auto opencv = codecs();
  if (!opencv)
    return make_error(errc::bad_config, file + ": cannot write picture: "
                                          + describe(opencv.error()));
  try {
    if ((*opencv)->write(file, img))
      return caf::none;
  } catch (const cv::Exception&) {
  }
  return make_error(errc::bad_config, file + ": cannot write picture");
}

} // namespace fovea
