// What a user names becomes the job's inputs, none dropped silently.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>

#include "jobs/input_walker.hpp"
#include "tests/support/images.hpp"

using namespace fovea;
namespace fs = std::filesystem;

TEST_CASE("directories are walked recursively in sorted order, images only",
          "[unit]") {
  auto dir = test::fresh_dir("walk");
  fs::create_directories(dir / "b" / "deeper");
  for (auto name : {"b/deeper/z.PNG", "a.jpg", "b/c.jpeg", "notes.txt",
                    "b/data.json"})
    test::write_file(dir / name, {1});
  auto inputs = collect_inputs({dir.string()}).items;
  REQUIRE(inputs.size() == 3);
  CHECK(inputs[0].path == (dir / "a.jpg").string());
  CHECK(inputs[1].path == (dir / "b/c.jpeg").string());
  CHECK(inputs[2].path == (dir / "b/deeper/z.PNG").string());
  for (auto& input : inputs)
    CHECK(input.error.empty());
}

TEST_CASE("a .txt argument lists paths, one per line", "[unit]") {
  auto dir = test::fresh_dir("list");
  std::ofstream{dir / "list.txt"} << "# my images\n"
                                  << "x.png\n"
                                  << "\n"
                                  << "  \n"
                                  << "y y.jpg\r\n";
  auto inputs = collect_inputs({(dir / "list.txt").string()}).items;
  REQUIRE(inputs.size() == 2);
  CHECK(inputs[0].path == "x.png");
  CHECK(inputs[1].path == "y y.jpg");
}

TEST_CASE("a missing input stays an input, with its error", "[unit]") {
  auto dir = test::fresh_dir("missing");
  test::write_file(dir / "real.png", {1});
  auto inputs = collect_inputs(
    {(dir / "nope.png").string(), (dir / "real.png").string()}).items;
  REQUIRE(inputs.size() == 2);
  CHECK(inputs[0].error == "no such file");
  CHECK(inputs[1].error.empty());
}

TEST_CASE("a symlink loop in a walked directory does not trap the walk",
          "[unit]") {
  auto dir = test::fresh_dir("loop");
  test::write_file(dir / "a.png", {1});
  fs::create_directory_symlink(dir, dir / "again");
  auto inputs = collect_inputs({dir.string()}).items;
  REQUIRE(inputs.size() == 1);
  CHECK(inputs[0].path == (dir / "a.png").string());
}

TEST_CASE("files the walk leaves out are listed, and an image-named FIFO "
          "is an error row, not a reader that hangs",
          "[unit]") {
  auto dir = test::fresh_dir("skipped");
  fs::create_directories(dir / "sub");
  for (auto name : {"a.png", "b.webp", "sub/c.TIFF", "sub/d.bmp", "e.heic"})
    test::write_file(dir / name, {1});
  REQUIRE(::mkfifo((dir / "pipe.png").c_str(), 0600) == 0);
  fs::create_directory_symlink(dir / "sub", dir / "link");
  auto inputs = collect_inputs({dir.string()});
  REQUIRE(inputs.items.size() == 2);
  CHECK(inputs.items[0].path == (dir / "a.png").string());
  CHECK(inputs.items[0].size == 1);
  CHECK(inputs.items[0].modified > 0);
  CHECK(inputs.items[1].path == (dir / "pipe.png").string());
  CHECK(inputs.items[1].error == "not a regular file");
  CHECK(inputs.not_images
        == std::vector<std::string>{(dir / "b.webp").string(),
                                    (dir / "e.heic").string(),
                                    (dir / "sub/c.TIFF").string(),
                                    (dir / "sub/d.bmp").string()});
  CHECK(inputs.linked_directories
        == std::vector<std::string>{(dir / "link").string()});
}

TEST_CASE("a file whose stat fails is an error row naming it",
          "[unit]") {
  auto dir = test::fresh_dir("dangling");
  test::write_file(dir / "a.png", {1});
  fs::create_symlink(dir / "gone.png", dir / "b.png");
  auto inputs = collect_inputs({dir.string()}).items;
  REQUIRE(inputs.size() == 2);
  CHECK(inputs[0].error.empty());
  CHECK(inputs[1].path == (dir / "b.png").string());
  CHECK(inputs[1].error == "cannot stat: No such file or directory");
}

TEST_CASE("the content fingerprint changes with a file's size or time, the "
          "path fingerprint does not", "[unit]") {
  std::vector<input_item> a{{"x.png", {}, 10, 1000}, {"y.png", {}, 20, 2000}};
  auto b = a;
  b[1].modified = 2001;
  auto c = a;
  c[0].size = 11;
  CHECK(input_fingerprint(a) == input_fingerprint(b));
  CHECK(content_fingerprint(a) != content_fingerprint(b));
  CHECK(content_fingerprint(a) != content_fingerprint(c));
  CHECK(content_fingerprint(a) == content_fingerprint(a));
}

TEST_CASE("an image is named by its last extension, in any case, and a "
          "hidden file's name is not an extension", "[unit]") {
  for (auto path : {"a.png", "a.PNG", "dir.d/a.Jpg", "a.jpeg", "a.b.jpeg",
                    "/abs/x.png"})
    CHECK(has_image_extension(path));
  for (auto path : {".png", "dir/.jpg", "a.png.txt", "a.pngx", "a.", "a",
                    "dir.png/a", "..", "a.jpe"})
    CHECK_FALSE(has_image_extension(path));
}

TEST_CASE("a walked file keeps its size and time, whatever the root's "
          "spelling", "[unit]") {
  auto dir = test::fresh_dir("walk-stat");
  test::write_file(dir / "a.png", {1, 2, 3});
  struct stat st {};
  REQUIRE(::stat((dir / "a.png").c_str(), &st) == 0);
  for (auto root : {dir.string(), dir.string() + "/"}) {
    INFO(root);
    auto inputs = collect_inputs({root}).items;
    REQUIRE(inputs.size() == 1);
    CHECK(inputs[0].path == (dir / "a.png").string());
    CHECK(inputs[0].size == 3);
    CHECK(inputs[0].modified
          == int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec);
  }
}

namespace {

// A listing of an S3 prefix as its client would page through it: here, a
// few fixed objects under whatever prefix is asked.
class fake_listing final : public input_source {
public:
  explicit fake_listing(std::string prefix) : prefix_(std::move(prefix)) {}
  bool next(input_item& item) override {
    if (given_ == 2)
      return false;
    item = {prefix_ + std::to_string(given_++) + ".png", {}, 10, 0,
            reference_kind::s3};
    return true;
  }

private:
  std::string prefix_;
  int given_ = 0;
};

} // namespace

TEST_CASE("s3:// and https:// inputs are references a worker reads, in "
          "arguments and list files alike, and http:// is refused",
          "[unit]") {
  auto dir = test::fresh_dir("walk-references");
  test::write_file(dir / "local.png", {1});
  {
    std::ofstream list{dir / "list.txt"};
    list << "https://images.example.com/x.png\n"
         << (dir / "local.png").string() << "\n"
         << "s3://images/listed/\n"
         << "s3://images/one.png\n";
  }
  walk_options options;
  options.list_s3 = [](const std::string& prefix) {
    return std::make_unique<fake_listing>(prefix);
  };
  auto inputs = collect_inputs({"s3://images/a/b.png", "http://plain.example/x.png",
                                (dir / "list.txt").string()},
                               options)
                  .items;
  REQUIRE(inputs.size() == 7);
  CHECK(inputs[0].path == "s3://images/a/b.png");
  CHECK(inputs[0].reference == reference_kind::s3);
  CHECK(inputs[1].reference == reference_kind::none);
  CHECK_THAT(inputs[1].error, Catch::Contains("only https://"));
  CHECK(inputs[2].reference == reference_kind::https);
  CHECK(inputs[3].path == (dir / "local.png").string());
  CHECK(inputs[3].reference == reference_kind::none);
  CHECK(inputs[4].path == "s3://images/listed/0.png");
  CHECK(inputs[5].path == "s3://images/listed/1.png");
  CHECK(inputs[6].path == "s3://images/one.png");
  for (auto i : {4, 5, 6})
    CHECK(inputs[i].reference == reference_kind::s3);
}

TEST_CASE("an S3 prefix that the client cannot list is one input with an "
          "error saying so",
          "[unit]") {
  auto inputs = collect_inputs({"s3://images/photos/"}).items;
  REQUIRE(inputs.size() == 1);
  CHECK(inputs[0].path == "s3://images/photos/");
  CHECK_THAT(inputs[0].error, Catch::Contains("fovea.s3-endpoint"));
}

TEST_CASE("with --shared, local inputs are references by absolute path, "
          "walked by the client but never read by it",
          "[unit]") {
  auto dir = test::fresh_dir("walk-shared");
  fs::create_directories(dir / "d");
  test::write_file(dir / "d" / "a.png", {1, 2, 3});
  test::write_file(dir / "d" / "b.jpg", {1});
  auto was = fs::current_path();
  fs::current_path(dir);
  walk_options options;
  options.shared = true;
  auto inputs = collect_inputs({"d", (dir / "unseen.png").string()}, options)
                  .items;
  for (auto& input : inputs)
    UNSCOPED_INFO(input.path << " [" << input.error << "]");
  REQUIRE(inputs.size() == 3);
  CHECK(inputs[0].path == (dir / "d" / "a.png").string());
  CHECK(inputs[0].size == 3);
  CHECK(inputs[1].path == (dir / "d" / "b.jpg").string());
  // Not here, but perhaps on the workers' mount: they say.
  CHECK(inputs[2].path == (dir / "unseen.png").string());
  CHECK(inputs[2].error.empty());
  for (auto& input : inputs)
    CHECK(input.reference == reference_kind::shared);
  fs::current_path(was);
}
