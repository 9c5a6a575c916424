// job_flags: the flags of the commands that run a job, declared once.
//
// `fovea submit`, `fovea classify` and the shell's `submit` (also in `fovea
// run` scripts) take overlapping flags. Each flag is one entry here: its
// name, the value it takes, its help line, the commands that take it, and
// the fovea.* setting it stands for, if it is a short form of one. Each
// command's flag parsing (app/job_runner, app/shell_driver), its usage line
// and its --help text (and the shell's `help submit`) come from this table,
// so a flag cannot work in one command and be missing from its usage, or be
// taken by one command and refused by another that claims it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace fovea {

enum class job_command : unsigned {
  submit = 1,       ///< fovea submit
  classify = 2,     ///< fovea classify
  shell_submit = 4, ///< the shell's (and fovea run's) submit
};

struct job_flag {
  std::string_view name;  ///< without the leading --
  std::string_view value; ///< what it takes ("K"); empty for a switch
  std::string_view help;
  unsigned commands;      ///< job_command bits
  /// The fovea.* key it is a short form of ("fovea.coordinator"), if any.
  std::string_view setting = {};
  bool required = false; ///< shown outside brackets in the usage line
};

/// Every flag of every job command.
const std::vector<job_flag>& job_flags();

/// The flags `command` takes.
std::vector<job_flag> job_flags_of(job_command command);

/// "usage: fovea submit --coordinator HOST:PORT INPUT... [--out F] ...".
std::string job_usage(job_command command);

/// What `fovea COMMAND --help` (and the shell's `help submit`) print: the
/// usage line, what the command does, and one line per flag.
std::string job_help(job_command command);

/// `text` in lines of at most 76 columns, each led by `indent`: the shape
/// of every help text.
std::string wrap_help(std::string_view text, std::string_view indent);

} // namespace fovea
