// model_repository: the model folders a worker serves.
//
// fovea.model names one model folder (it holds model.ini) or a repository
// of them laid out NAME/VERSION/, as Triton's: models/fashion-mnist/1/,
// models/fashion-mnist/2/, models/shoes/7/. Guarantees:
// - a repository's folders come back sorted by name, then by version as a
//   number, each holding a model.ini whose name and version are its
//   folder's: a folder that says another name@version than its path is a
//   bad_model error naming both, never served under the wrong label;
// - a version folder is a whole number, and a repository with no model in
//   it is an error: a worker never starts serving nothing;
// - files beside the folders (a README, say) are left alone.
#pragma once

#include <filesystem>
#include <vector>

#include <caf/expected.hpp>

namespace fovea {

/// The model folders of `dir`: itself if it holds model.ini, else each
/// NAME/VERSION/ folder of the repository it is.
caf::expected<std::vector<std::filesystem::path>>
model_folders(const std::filesystem::path& dir);

} // namespace fovea
