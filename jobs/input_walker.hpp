// Turns what a user names on the command line into the job's inputs, one at
// a time.
//
// Each argument is an image file, a directory (walked recursively, in sorted
// order, keeping files whose extension says PNG or JPEG), or a .txt file that
// lists paths one per line (blank lines and lines starting with # skipped).
// An argument or line may also be a reference that workers read: an
// "s3://BUCKET/KEY" object, an "s3://BUCKET/PREFIX/" listed as it is walked
// (walk_options::list_s3), or an "https://" URL. With walk_options::shared,
// every local path is on a file system each worker mounts at the same
// place: the walk lists its folders as usual and its inputs become
// references by absolute path, which no client reads.
//
// Guarantees: nothing is dropped silently.
// - An argument that names nothing usable, a directory that cannot be read
//   (permissions, too many open files, an I/O error, including one in the
//   middle of reading it), a file whose stat fails, and an image-named file
//   that is not a regular file each become one input with an error naming
//   that path and the reason; the walk goes on with the rest of the tree.
// - Files left out because of their extension (WebP, TIFF, BMP...) and
//   symlinked directories (not followed, so a link loop cannot trap the
//   walk) are listed in `skipped`, for the summary and --list-skipped.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "messages/image_task.hpp"

namespace fovea {

struct input_item {
  std::string path;     ///< as the user wrote it, or as found below a directory
  std::string error;    ///< non-empty if the input is known bad before reading
  uint64_t size = 0;    ///< bytes, when the walk could stat it
  int64_t modified = 0; ///< modification time, ns since the epoch; 0: unknown
  /// Not none: workers read it (`path` is the reference); the client never.
  reference_kind reference = reference_kind::none;
};

struct input_list {
  std::vector<input_item> items;
  /// Left out on purpose, sorted: files not named PNG or JPEG ...
  std::vector<std::string> not_images;
  /// ... and symlinked directories, which the walk does not follow.
  std::vector<std::string> linked_directories;
};

/// One pass over a job's inputs, in order.
class input_source {
public:
  virtual ~input_source() = default;
  /// The next input into `item`; false once there is none.
  virtual bool next(input_item& item) = 0;
};

/// What a pass makes of references and local paths.
struct walk_options {
  /// Local paths are on a shared file system: inputs by absolute path,
  /// read by the workers (`--shared`).
  bool shared = false;
  /// Lists an "s3://BUCKET/PREFIX/" page by page, as inputs; null: such a
  /// prefix is an input with an error saying the client cannot list it.
  std::function<std::unique_ptr<input_source>(const std::string& prefix)>
    list_s3;
};

/// A pass over the inputs the arguments name, one at a time.
class input_walk final : public input_source {
public:
  explicit input_walk(std::vector<std::string> args, walk_options options = {});
  ~input_walk() override;

  bool next(input_item& item) override;

  /// What the pass left out so far (each directory's, sorted).
  const std::vector<std::string>& not_images() const noexcept {
    return left_out_.not_images;
  }
  const std::vector<std::string>& linked_directories() const noexcept {
    return left_out_.linked_directories;
  }

private:
  void open_next_argument();
  /// A reference (s3://, https://, http://) into held_ or listing_; false
  /// if `text` is no reference.
  bool open_reference(const std::string& text);

  std::vector<std::string> args_;
  walk_options options_;
  std::unique_ptr<input_source> listing_; ///< an S3 prefix being listed
  size_t next_arg_ = 0;
  input_list left_out_;        ///< items unused: what was skipped
  std::vector<input_item> held_; ///< the arguments' inputs still to give
  size_t next_held_ = 0;
  struct list_file;              ///< the list file being read, if any
  std::unique_ptr<list_file> list_;
};

/// Every input the arguments name, held: for small jobs and tests (a
/// client streams through input_walk instead).
input_list collect_inputs(const std::vector<std::string>& args,
                          walk_options options = {});

/// A resumed job must be the same list of inputs in the same order, or
/// its journal does not apply (`paths`: a 64-bit FNV-1a hash of the
/// ordered paths); its files must also be unchanged since its journal
/// began (`contents`: the same over paths, sizes and modification times).
/// References (--shared files, S3 objects, URLs) add only their paths to
/// `contents`: their objects are checked row by row by the workers.
class input_fingerprint_builder {
public:
  void add(const input_item& input);
  uint64_t paths() const noexcept { return paths_; }
  uint64_t contents() const noexcept { return contents_; }
  uint64_t count() const noexcept { return count_; }

private:
  uint64_t paths_ = 14695981039346656037ull;
  uint64_t contents_ = 14695981039346656037ull;
  uint64_t count_ = 0;
};

uint64_t input_fingerprint(const std::vector<input_item>& inputs);
uint64_t content_fingerprint(const std::vector<input_item>& inputs);

/// True for names that end in .png, .jpg or .jpeg, in any case.
bool has_image_extension(const std::string& path);

} // namespace fovea
