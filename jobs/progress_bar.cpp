#include "jobs/progress_bar.hpp"

#include <string>

namespace fovea {

progress_bar::progress_bar(uint64_t total, bool enabled, std::FILE* out)
  : total_(total), enabled_(enabled), out_(out) {
}

void progress_bar::advance(uint64_t n) {
  done_ += n;
  if (enabled_ && clock::now() - drawn_ > std::chrono::milliseconds(100))
    draw();
}

void progress_bar::finish() {
  if (!enabled_)
    return;
  draw();
  std::fputc('\n', out_);
  std::fflush(out_);
}

void progress_bar::draw() {
  drawn_ = clock::now();
  constexpr int width = 30;
  auto fraction = total_ == 0 ? 1.0 : static_cast<double>(done_) / total_;
  auto filled = static_cast<int>(fraction * width);
  auto seconds = std::chrono::duration<double>(drawn_ - started_).count();
  auto rate = seconds > 0 ? done_ / seconds : 0.0;
  auto eta = rate > 0 ? static_cast<long>((total_ - done_) / rate) : 0L;
  std::string bar(filled, '#');
  bar.resize(width, ' ');
  std::fprintf(out_, "\r[%s] %llu/%llu %3.0f%% %7.0f img/s ETA %ld:%02ld:%02ld",
               bar.c_str(), static_cast<unsigned long long>(done_),
               static_cast<unsigned long long>(total_), fraction * 100, rate,
               eta / 3600, eta / 60 % 60, eta % 60);
  std::fflush(out_);
}

} // namespace fovea
