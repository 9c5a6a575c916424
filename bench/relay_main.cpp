// fovea-bench-relay: a network path with latency for bench/run, since this
// kernel has no netem: relays 127.0.0.1:PORT to TARGET, every chunk `DELAY_MS`
// late each way (bench/delay_relay.hpp). Prints "relay on PORT" once it
// listens; runs until SIGTERM or SIGINT.
//
//   fovea-bench-relay HOST:PORT DELAY_MS
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench/delay_relay.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: fovea-bench-relay HOST:PORT DELAY_MS\n");
    return 2;
  }
  std::string target = argv[1];
  auto colon = target.rfind(':');
  if (colon == std::string::npos) {
    std::fprintf(stderr, "fovea-bench-relay: %s is not HOST:PORT\n", argv[1]);
    return 2;
  }
  // Block the signals before the relay's thread starts, so that only
  // sigwait below takes them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto delay = std::chrono::microseconds(
      static_cast<long>(std::strtod(argv[2], nullptr) * 1000));
  fovea::bench::delay_relay relay(
      target.substr(0, colon),
      static_cast<uint16_t>(std::stoi(target.substr(colon + 1))), delay);
  std::printf("relay on %u\n", relay.port());
  std::fflush(stdout);
  int got = 0;
  sigwait(&signals, &got);
  return 0;
}
