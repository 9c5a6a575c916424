#include "vision/model_repository.hpp"

#include <algorithm>
#include <system_error>

#include "messages/errors.hpp"
#include "messages/model_label.hpp"
#include "vision/manifest.hpp"

namespace fovea {

namespace {

namespace fs = std::filesystem;

caf::error bad(const fs::path& where, const std::string& what) {
  return make_error(errc::bad_model, where.string() + ": " + what);
}

// The sub-folders of `dir`, sorted by name; an error naming it if it cannot
// be read.
caf::expected<std::vector<fs::path>> folders_in(const fs::path& dir) {
  std::error_code ec;
  std::vector<fs::path> out;
  for (fs::directory_iterator it{dir, ec}, end; !ec && it != end;
       it.increment(ec))
    if (it->is_directory(ec))
      out.push_back(it->path());
  if (ec)
    return bad(dir, "cannot read the folder: " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace

caf::expected<std::vector<fs::path>> model_folders(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir / "model.ini", ec))
    return std::vector<fs::path>{dir};
  if (!fs::is_directory(dir, ec))
    return bad(dir, "not found (a model folder with model.ini, or a "
                    "repository of NAME/VERSION/ model folders)");
  auto names = folders_in(dir);
  if (!names)
    return std::move(names.error());
  std::vector<fs::path> out;
  for (auto& name : *names) {
    auto versions = folders_in(name);
    if (!versions)
      return std::move(versions.error());
    std::vector<std::pair<uint32_t, fs::path>> numbered;
    for (auto& version : *versions) {
      auto number = parse_model_version(version.filename().string());
      if (!number)
        return bad(version, "a version folder is named by a whole number "
                            "(models/NAME/1/, models/NAME/2/)");
      auto manifest = load_manifest(version);
      if (!manifest)
        return std::move(manifest.error());
      auto path_label =
          name.filename().string() + "@" + std::to_string(*number);
      if (manifest->label() != path_label)
        return bad(version, "its model.ini says " + manifest->label() +
                                ", its folder " + path_label +
                                ": rename one so that they agree");
      numbered.emplace_back(*number, version);
    }
    std::sort(numbered.begin(), numbered.end());
    for (auto& [number, version] : numbered)
      out.push_back(version);
  }
  if (out.empty())
    return bad(dir, "no model.ini, and no NAME/VERSION/ model folders in it");
  return out;
}

} // namespace fovea
