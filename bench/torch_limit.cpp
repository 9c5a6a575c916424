// fovea-bench-limit: the machine's limit for a model, as a person tuning a
// raw LibTorch loop would measure it: inputs decoded and preprocessed up
// front (fovea's own preprocessing, so the tensors are the same), then only
// forward passes at one batch size, in P processes of T intra-op threads
// each, all started together. Prints "images/s N".
//
//   fovea-bench-limit MODEL_DIR LIST --batch B [--processes P] [--threads T]
//                     [--repeat R] [--graph plain|frozen|optimized]
//
// LIST names one image per line. Each process runs every image R times.
// The forward pass is fovea's model::infer: LibTorch's forward under
// InferenceMode plus a softmax, nothing of fovea's pipeline, on the graph
// in the form --graph names (default optimized: freeze, then
// optimize_for_inference), built without fovea's probe check.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "vision/model.hpp"
#include "vision/preprocess.hpp"

using namespace fovea;

namespace {

int fail(const std::string& what) {
  std::cerr << "fovea-bench-limit: " << what << "\n";
  return 2;
}

std::vector<uint8_t> read_all(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, {}};
}

// One process's share: load the model, wait for the go, run, report.
[[noreturn]] void run_child(const std::string& dir, graph_form form,
                            int threads,
                            const std::vector<float>& inputs, size_t images,
                            size_t batch, int repeat, int ready_fd,
                            int go_fd) {
  set_inference_threads(threads);
  auto loaded = model::load(dir, {.forced = form});
  if (!loaded)
    _exit(3);
  auto& m = **loaded;
  const auto size = m.manifest().input_size();
  // Warm-up: LibTorch and oneDNN allocate and pick kernels on the first
  // passes of a shape, here the full batch and the last, partial one.
  for (auto n : {batch, images % batch})
    if (n > 0 && !m.infer({inputs.data(), n * size}, n))
      _exit(4);
  char c = 1;
  if (::write(ready_fd, &c, 1) != 1 || ::read(go_fd, &c, 1) < 0)
    _exit(5);
  for (int r = 0; r < repeat; ++r)
    for (size_t first = 0; first < images; first += batch) {
      auto n = std::min(batch, images - first);
      if (!m.infer({inputs.data() + first * size, n * size}, n))
        _exit(6);
    }
  _exit(0);
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 3)
    return fail("usage: MODEL_DIR LIST --batch B [--processes P] "
                "[--threads T] [--repeat R] [--graph plain|frozen|optimized]");
  std::string dir = argv[1];
  std::string list = argv[2];
  size_t batch = 1;
  int processes = 1, threads = 1, repeat = 1;
  auto form = graph_form::optimized;
  for (int i = 3; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--graph") {
      std::string name = argv[i + 1];
      if (name == "plain")
        form = graph_form::plain;
      else if (name == "frozen")
        form = graph_form::frozen;
      else if (name == "optimized")
        form = graph_form::optimized;
      else
        return fail("--graph must be plain, frozen or optimized");
      continue;
    }
    long value = std::stol(argv[i + 1]);
    if (value < 1)
      return fail(flag + " must be at least 1");
    if (flag == "--batch")
      batch = static_cast<size_t>(value);
    else if (flag == "--processes")
      processes = static_cast<int>(value);
    else if (flag == "--threads")
      threads = static_cast<int>(value);
    else if (flag == "--repeat")
      repeat = static_cast<int>(value);
    else
      return fail("unknown flag " + flag);
  }
  auto manifest = load_manifest(dir);
  if (!manifest)
    return fail("cannot read " + dir + "/model.ini");
  const auto size = manifest->input_size();
  std::vector<float> inputs;
  std::ifstream names{list};
  size_t images = 0;
  for (std::string path; std::getline(names, path);) {
    inputs.resize((images + 1) * size);
    auto bytes = read_all(path);
    if (preprocess(bytes, *manifest, {inputs.data() + images * size, size}))
      return fail("cannot decode " + path);
    ++images;
  }
  if (images < batch)
    return fail("fewer images than one batch");
  int ready[2], go[2];
  if (::pipe(ready) != 0 || ::pipe(go) != 0)
    return fail("pipe");
  std::vector<pid_t> children;
  for (int p = 0; p < processes; ++p) {
    auto pid = ::fork();
    if (pid == 0) {
      ::close(go[1]);
      run_child(dir, form, threads, inputs, images, batch, repeat, ready[1], go[0]);
    }
    children.push_back(pid);
  }
  ::close(go[0]);
  char c;
  for (int p = 0; p < processes; ++p)
    if (::read(ready[0], &c, 1) != 1)
      return fail("a process failed to load the model");
  auto start = std::chrono::steady_clock::now();
  ::close(go[1]); // every child's read returns: go
  bool ok = true;
  for (auto pid : children) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  if (!ok)
    return fail("a process failed while running");
  std::printf("images/s %.1f\n",
              static_cast<double>(images) * repeat * processes / took.count());
  return 0;
}
