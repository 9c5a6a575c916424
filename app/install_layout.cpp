#include "app/install_layout.hpp"

#include <optional>

#include "messages/model_label.hpp"

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

std::string repository_model_folder(const std::string& text) {
  auto request = parse_model_request(text);
  if (!request || request->name.empty())
    return {};
  std::error_code ec;
  std::filesystem::path repository = "models";
  if (!std::filesystem::is_directory(repository / request->name, ec))
    repository = installed_data_folder() / "models";
  auto model = repository / request->name;
  if (request->version) {
    auto folder = model / std::to_string(*request->version);
    return std::filesystem::is_directory(folder, ec) ? folder.string()
                                                     : std::string{};
  }
  // The newest version: the largest whole-number folder.
  std::optional<uint32_t> newest;
  for (auto& entry : std::filesystem::directory_iterator{model, ec})
    if (auto v = parse_model_version(entry.path().filename().string());
        v && entry.is_directory(ec) && (!newest || *v > *newest))
      newest = v;
  return newest ? (model / std::to_string(*newest)).string() : std::string{};
}

} // namespace fovea
