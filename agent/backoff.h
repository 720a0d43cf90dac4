// Reconnection delays for push (the buyer) and the witness client: 0.2 s doubling to a maximum,
// each drawn uniformly from [d/2, d] so that many sellers cut off together do not return together.
#pragma once

#include <algorithm>
#include <chrono>
#include <random>

namespace baton::agent {

class Backoff {
public:
    explicit Backoff(double max_seconds) : max_(max_seconds) {}
    std::chrono::milliseconds next() {
        std::uniform_real_distribution<double> jitter(0.5, 1.0);
        auto d = std::chrono::milliseconds(static_cast<int64_t>(delay_ * jitter(rng_) * 1000));
        delay_ = std::min(max_, delay_ * 2);
        return d;
    }
    void reset() { delay_ = 0.2; }

private:
    double max_, delay_ = 0.2;
    std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace baton::agent
