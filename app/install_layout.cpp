#include "app/install_layout.hpp"

namespace fovea {

namespace {

constexpr const char* shipped_model = "models/fashion-mnist/1";

} // namespace

std::filesystem::path installed_data_folder() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec)
    return {};
  return exe.parent_path().parent_path() / "share" / "fovea";
}

std::string shipped_model_folder() {
  std::error_code ec;
  if (std::filesystem::exists(shipped_model, ec))
    return shipped_model;
  auto installed = installed_data_folder();
  if (!installed.empty()) {
    auto candidate = installed / shipped_model;
    if (std::filesystem::exists(candidate, ec))
      return candidate.string();
  }
  return shipped_model;
}

} // namespace fovea
