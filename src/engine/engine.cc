// Implements include/haul/engine.h as a thin owner of engine::Core.
#include "haul/engine.h"

#include "engine/core.h"

namespace haul {

std::string TransportVersion() { return transfer::CurlVersion(); }

class Engine::Impl {
 public:
  Impl(const Options& options, EventSink& sink) : core(options, sink) {}
  engine::Core core;
  bool started = false;
  bool finished = false;
};

Engine::Engine(const Options& options, EventSink& sink)
    : impl_(std::make_unique<Impl>(options, sink)) {}

Engine::~Engine() {
  // Never leave threads running: an engine dropped without Finish cancels.
  if (impl_->started && !impl_->finished) {
    impl_->core.Cancel();
    (void)impl_->core.Finish();
  }
}

Status Engine::Start() {
  Status s = impl_->core.Start();
  impl_->started = s.ok();
  return s;
}

JobId Engine::Submit(JobSpec spec) { return impl_->core.Submit(std::move(spec)); }

void Engine::Cancel() { impl_->core.Cancel(); }

RunStats Engine::Finish() {
  impl_->finished = true;
  return impl_->core.Finish();
}

}  // namespace haul

