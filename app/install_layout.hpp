// install_layout: where fovea finds what it ships, in a build tree and once
// installed.
//
// Guarantees: a source checkout (run from its root, as README shows) finds
// models/ as before; an installed fovea (`cmake --install`, the .deb) finds
// the models installed under PREFIX/share/fovea/models, wherever the
// process's working directory is. Nothing here reads a file; it only picks
// paths.
#pragma once

#include <filesystem>
#include <string>

namespace fovea {

/// The model a worker or `fovea classify` serves when none is named: the
/// shipped Fashion-MNIST model, models/fashion-mnist/1 in the working
/// directory if there is one, else the installed copy; if neither exists the
/// relative path, so that the error names what was looked for.
std::string shipped_model_folder();

/// The model folder `fovea classify --model NAME[@VERSION]` means: in the
/// model repository (models/ in the working directory if it has one, else
/// the installed one), NAME/VERSION, or NAME's newest version. Empty if
/// `text` is no NAME[@VERSION] or the repository has no such model.
std::string repository_model_folder(const std::string& text);

/// PREFIX/share/fovea for the running executable (PREFIX/bin/fovea).
std::filesystem::path installed_data_folder();

} // namespace fovea
