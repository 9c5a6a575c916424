// fovea-bench-oip-grpc: an open-loop load generator for the Open Inference
// Protocol's gRPC service (bench/run online), the twin of fovea-bench-oip.
//
//   fovea-bench-oip-grpc HOST PORT IMAGES_DIR RATE SECONDS [IN_FLIGHT]
//
// Call i is due at start + i / RATE, whatever happened to the ones before
// it; its latency counts from that due time (no coordinated omission): a
// call that waits for one of the IN_FLIGHT slots waits on the clock. Each
// call is one image (the PNGs of IMAGES_DIR in turn) as a raw BYTES tensor,
// answered with the classification extension (K = 1), over HTTP/2
// channels as gRPC clients share them, from gRPC's completion-queue API on
// one thread, as gRPC's own benchmark clients use it: a callback client took
// 126 ticks of CPU where this takes 87, on the 2 cores the server shares
// (5 s saturated, /proc/PID/stat). RATE 0 runs closed-loop: IN_FLIGHT
// calls, each followed by the next as soon as it is answered, for the
// saturated rate. Prints one line, as fovea-bench-oip does:
//   sent=N ok=N failed=N seconds=S rate=R p50_ms= p90_ms= p99_ms= max_ms=
// Everything is bounded: RATE x SECONDS calls, at most IN_FLIGHT at once.
//
// One channel (one connection) per 64 calls in flight, the server's
// default cap of streams on a connection; each call goes on the channel
// with the fewest in flight. Past 64, calls would wait in the client's
// transport for a stream, and one client's window, not the server, would
// set the rate.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "edge/grpc_runtime.hpp"
#include "open_inference_grpc.grpc.pb.h"

using clock_type = std::chrono::steady_clock;

namespace {

std::vector<inference::ModelInferRequest>
requests_from(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (auto& entry : std::filesystem::directory_iterator{dir})
    if (entry.path().extension() == ".png" || entry.path().extension() == ".jpg")
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  if (files.size() > 1000)
    files.resize(1000);
  std::vector<inference::ModelInferRequest> out;
  for (auto& file : files) {
    std::ifstream in{file, std::ios::binary};
    std::string image{std::istreambuf_iterator<char>{in}, {}};
    auto n = static_cast<uint32_t>(image.size());
    auto& request = out.emplace_back();
    request.set_model_name("fashion-mnist");
    auto* input = request.add_inputs();
    input->set_name("image");
    input->set_datatype("BYTES");
    input->add_shape(1);
    auto* output = request.add_outputs();
    output->set_name("probabilities");
    (*output->mutable_parameters())["classification"].set_int64_param(1);
    auto* raw = request.add_raw_input_contents();
    raw->assign(reinterpret_cast<const char*>(&n), 4);
    *raw += image;
  }
  return out;
}

// Every call goes out and comes back through one completion queue, served
// by the one thread that also keeps the schedule: no thread of gRPC's
// runs a callback, so the generator takes as little as it can of the
// cores it shares with the server it measures.
struct load {
  /// One per channel.
  std::vector<std::unique_ptr<inference::GRPCInferenceService::Stub>> stubs;
  std::vector<size_t> on_channel; ///< calls in flight on each
  std::vector<inference::ModelInferRequest> requests;
  grpc::CompletionQueue queue;
  size_t in_flight = 0;
  size_t ok = 0, failed = 0;
  std::vector<double> latencies_ms;
  clock_type::time_point last_done;

  struct call {
    grpc::ClientContext context;
    inference::ModelInferResponse response;
    grpc::Status status;
    clock_type::time_point due;
    size_t channel = 0;
    std::unique_ptr<grpc::ClientAsyncResponseReader<
      inference::ModelInferResponse>> reader;
  };

  // Starts call `number`, due at `due`.
  void start(size_t number, clock_type::time_point due) {
    auto* c = new call;
    c->due = due;
    c->context.set_deadline(std::chrono::system_clock::now()
                            + std::chrono::seconds(30));
    c->channel = static_cast<size_t>(
      std::min_element(on_channel.begin(), on_channel.end())
      - on_channel.begin());
    ++on_channel[c->channel];
    c->reader = stubs[c->channel]->PrepareAsyncModelInfer(
      &c->context, requests[number % requests.size()], &queue);
    c->reader->StartCall();
    c->reader->Finish(&c->response, &c->status, c);
    ++in_flight;
  }

  // Waits until `until` for an answer and counts it; false if none came.
  bool answer_by(clock_type::time_point until) {
    void* tag = nullptr;
    bool done = false;
    auto deadline = std::chrono::system_clock::now()
                    + (until - clock_type::now());
    if (queue.AsyncNext(&tag, &done, deadline)
        != grpc::CompletionQueue::GOT_EVENT)
      return false;
    auto* c = static_cast<call*>(tag);
    auto now = clock_type::now();
    (done && c->status.ok() ? ok : failed) += 1;
    latencies_ms.push_back(
      std::chrono::duration<double, std::milli>(now - c->due).count());
    last_done = now;
    --in_flight;
    --on_channel[c->channel];
    delete c;
    return true;
  }
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty())
    return 0;
  auto at = static_cast<size_t>(p * (v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + at, v.end());
  return v[at];
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::cerr << "usage: fovea-bench-oip-grpc HOST PORT IMAGES_DIR RATE "
                 "SECONDS [IN_FLIGHT]\n";
    return 2;
  }
  fovea::tune_grpc_runtime(); // as the server does: this client shares its cores
  load l;
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  // A load generator never retries (each call counts once, as it went), and
  // the retry filter that gRPC 1.51 puts on every call by default cost
  // this client about 7 us per call of the cores the server needs.
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  // Each channel its own connection: channels of equal arguments would
  // share one through gRPC's global subchannel pool.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  l.requests = requests_from(argv[3]);
  auto rate = std::atof(argv[4]);
  auto seconds = std::atof(argv[5]);
  size_t in_flight_limit = argc > 6 ? std::strtoul(argv[6], nullptr, 10) : 64;
  if (l.requests.empty() || seconds <= 0 || in_flight_limit == 0) {
    std::cerr << "fovea-bench-oip-grpc: no images, or nothing to do\n";
    return 2;
  }
  constexpr size_t streams_per_channel = 64;
  auto channels = (in_flight_limit + streams_per_channel - 1)
                  / streams_per_channel;
  for (size_t i = 0; i < channels; ++i)
    l.stubs.push_back(inference::GRPCInferenceService::NewStub(
      grpc::CreateCustomChannel(std::string{argv[1]} + ":" + argv[2],
                                grpc::InsecureChannelCredentials(), args)));
  l.on_channel.assign(channels, 0);
  auto start = clock_type::now();
  auto stop_at = start + std::chrono::duration_cast<clock_type::duration>(
                           std::chrono::duration<double>(seconds));
  // Answers never take longer than their 30 s deadline.
  constexpr auto far = std::chrono::seconds(60);
  size_t sent = 0;
  if (rate <= 0) {
    // Closed loop: each answer starts the next until SECONDS have passed.
    for (; sent < in_flight_limit; ++sent)
      l.start(sent, clock_type::now());
    while (l.in_flight > 0)
      if (l.answer_by(clock_type::now() + far)
          && clock_type::now() < stop_at)
        l.start(sent++, clock_type::now());
  } else {
    // Open loop: call i is due at start + i / RATE; while it is not due,
    // or no slot is free, answers are counted.
    auto total = static_cast<size_t>(rate * seconds);
    while (sent < total || l.in_flight > 0) {
      auto due = start + std::chrono::duration_cast<clock_type::duration>(
                           std::chrono::duration<double>(sent / rate));
      if (sent < total && l.in_flight < in_flight_limit
          && clock_type::now() >= due) {
        l.start(sent++, due);
        continue;
      }
      auto free = sent < total && l.in_flight < in_flight_limit;
      l.answer_by(free ? due : clock_type::now() + far);
    }
  }
  l.queue.Shutdown();
  void* tag;
  bool done;
  while (l.queue.Next(&tag, &done)) {
  }
  auto seconds_taken
    = std::chrono::duration<double>(l.last_done - start).count();
  auto& v = l.latencies_ms;
  auto max = v.empty() ? 0 : *std::max_element(v.begin(), v.end());
  std::printf("sent=%zu ok=%zu failed=%zu seconds=%.2f rate=%.1f "
              "p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
              v.size(), l.ok, l.failed, seconds_taken,
              seconds_taken > 0 ? l.ok / seconds_taken : 0.0,
              percentile(v, 0.5), percentile(v, 0.9), percentile(v, 0.99),
              max);
  return l.failed == 0 ? 0 : 1;
}
