// grpc_runtime: process-wide settings for gRPC, made once before the first
// server or channel.
//
// Guarantees:
// - after tune_grpc_runtime(), no absl::Mutex lock (gRPC takes several per
//   call) maintains abseil's deadlock detector's lock-order graph.
//   Debian builds abseil without NDEBUG (CMake build type "None"), which
//   leaves that detector on: in a saturated inference run it was 3-4 %
//   of the coordinator's CPU (GraphCycles::GetId, RemoveNode and their
//   locks in `perf`). It finds lock-order cycles in gRPC itself, which
//   fovea does not debug;
// - calling it again is harmless.
#pragma once

namespace fovea {

void tune_grpc_runtime();

} // namespace fovea
