// fovea as `cmake --install` lays it out, away from the build tree: the
// installed executable finds its private LibTorch module under lib/fovea
// and the shipped models under share/fovea, from any working directory;
// the systemd units it installs pass systemd-analyze's checks.
#include <catch2/catch.hpp>

#include <fstream>

#include "tests/support/csv.hpp"
#include "tests/support/images.hpp"
#include "tests/support/process.hpp"
#include "tests/support/skip.hpp"

using namespace fovea;
namespace fs = std::filesystem;

namespace {

// The build tree the test binary belongs to (BUILD/bin/fovea).
fs::path build_dir() {
  return fs::path{test::fovea_binary()}.parent_path().parent_path();
}

// Installs the build into `root` (DESTDIR) and returns the configured
// prefix inside it, e.g. root/usr/local.
fs::path install_into(const fs::path& root) {
  auto [code, output] = test::run_command(
    "env DESTDIR=" + root.string() + " cmake --install " + build_dir().string(),
    120);
  INFO(output);
  REQUIRE(code == 0);
  // cmake prints "-- Installing: ROOT/PREFIX/bin/fovea".
  auto at = output.find("/bin/fovea\n");
  REQUIRE(at != std::string::npos);
  auto start = output.rfind(' ', at) + 1;
  return fs::path{output.substr(start, at - start)};
}

std::string unit_dir(const fs::path& prefix) {
  return (prefix / "lib" / "systemd" / "system").string();
}

} // namespace

TEST_CASE("an installed fovea finds its modules and models from anywhere",
          "[integration][package]") {
  auto dir = test::fresh_dir("installed");
  auto prefix = install_into(dir / "root");
  auto installed = (prefix / "bin" / "fovea").string();
  REQUIRE_FALSE(fs::exists(prefix / "bin" / "libfovea_torch.so"));
  REQUIRE(fs::exists(prefix / "share" / "fovea" / "models" / "fashion-mnist"
                     / "1" / "model.pt"));

  auto [code, version] = test::run_command(installed + " --version", 60);
  INFO(version);
  CHECK(code == 0);
  CHECK(version.find("fovea 0.1.0") != std::string::npos);
  CHECK(version.find("LibTorch 1.13") != std::string::npos);
  // PREFIX/LIBDIR/fovea/ (lib/fovea, or lib/x86_64-linux-gnu/fovea when
  // configured for /usr on Debian), never the build tree's copy.
  auto from = version.find("LibTorch module: ");
  REQUIRE(from != std::string::npos);
  from += std::string{"LibTorch module: "}.size();
  auto module = version.substr(from, version.find('\n', from) - from);
  CHECK(module.rfind(prefix.string() + "/lib", 0) == 0);
  CHECK(fs::path{module}.parent_path().filename() == "fovea");
  CHECK(fs::exists(module));

  // From a folder with no models/ in it, classify serves the installed
  // model and labels as the build tree's fovea does; a JPEG needs the
  // installed codecs module too (PNGs like these decode without it).
  auto images = test::write_pattern_pngs(dir / "images", 40);
  auto grey = test::read_file(images[0]); // any 28x28 bytes will do
  grey.resize(28 * 28);
  test::write_file(dir / "images" / "photo.jpg",
                   test::encode(grey, 28, 28, 1, ".jpg"));
  images.push_back((dir / "images" / "photo.jpg").string());
  CHECK(fs::exists(fs::path{module}.parent_path() / "libfovea_codecs.so"));
  auto elsewhere = dir / "elsewhere";
  fs::create_directories(elsewhere);
  auto [ran, said] = test::run_command(
    "sh -c 'cd " + elsewhere.string() + " && " + installed + " classify "
      + (dir / "images").string() + " --out installed.csv'",
    120);
  INFO(said);
  REQUIRE(ran == 0);
  auto [ran_here, said_here] = test::run_command(
    test::fovea_binary() + " classify " + (dir / "images").string()
      + " --out " + (dir / "build.csv").string(),
    120);
  INFO(said_here);
  REQUIRE(ran_here == 0);
  auto from_install = test::read_results(elsewhere / "installed.csv");
  auto from_build = test::read_results(dir / "build.csv");
  REQUIRE(from_install.rows.size() == images.size());
  std::map<std::string, int> label_of;
  for (auto& row : from_build.rows)
    label_of[row.path] = row.label;
  for (auto& row : from_install.rows) {
    CHECK(row.error.empty());
    CHECK(row.model == "fashion-mnist@1");
    CHECK(row.label == label_of[row.path]);
  }
}

TEST_CASE("the installed service units pass systemd-analyze verify and "
          "security",
          "[integration][package]") {
  auto [has, which] = test::run_command("sh -c 'command -v systemd-analyze'",
                                        10);
  if (has != 0 || !fs::exists("/usr/lib/systemd/system/sysinit.target")) {
    test::skip_test("no systemd-analyze and systemd units on this machine");
    return;
  }
  auto dir = test::fresh_dir("installed-units");
  auto prefix = install_into(dir / "install");
  // verify loads each unit with its dependencies (sysinit.target, ...) and
  // checks that ExecStart's program exists, all under --root: a root with
  // this machine's units, the installed units and the installed binary.
  auto root = dir / "root";
  fs::create_directories(root / "usr" / "lib" / "systemd");
  fs::copy("/usr/lib/systemd/system", root / "usr/lib/systemd/system",
           fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  auto bin = root / prefix.lexically_relative(dir / "install") / "bin";
  fs::create_directories(bin);
  fs::copy_file(prefix / "bin" / "fovea", bin / "fovea");
  std::string units;
  for (auto name : {"fovea-coordinator.service", "fovea-worker@.service"}) {
    auto to = root / "usr/lib/systemd/system" / name;
    fs::copy_file(fs::path{unit_dir(prefix)} / name, to,
                  fs::copy_options::overwrite_existing);
    units += " " + to.string();
  }
  // Warnings (an unknown key, a value that does not parse) leave the exit
  // code at 0: the output must be empty as well.
  auto [verified, verify_said] = test::run_command(
    "systemd-analyze verify --root=" + root.string() + units, 60);
  INFO(verify_said);
  CHECK(verified == 0);
  CHECK(verify_said.empty());
  // systemd's own scoring of the hardening: it prints 0.0 (locked down) to
  // 10.0 (none), and --threshold counts in tenths of that. Both units score
  // 1.6 ("OK"); above 2.0 a hardening line went missing.
  auto [secure, security_said] = test::run_command(
    "systemd-analyze security --offline=yes --threshold=20 --root="
      + root.string() + units,
    60);
  INFO(security_said);
  CHECK(secure == 0);
}
