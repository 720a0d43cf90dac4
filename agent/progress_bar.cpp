#include "agent/progress_bar.h"

#include <unistd.h>

#include <cstdio>

namespace baton::agent {

namespace {

constexpr auto kRedrawInterval = std::chrono::milliseconds(100);  // smooth enough, cheap on a slow tty
constexpr int kBarWidth = 24;

std::string one_decimal(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

std::string duration_text(double seconds) {
    const auto s = static_cast<uint64_t>(seconds + 0.5);
    char buf[32];
    if (s >= 3600) std::snprintf(buf, sizeof buf, "%llu:%02llu:%02llu", static_cast<unsigned long long>(s / 3600),
                                  static_cast<unsigned long long>(s / 60 % 60), static_cast<unsigned long long>(s % 60));
    else std::snprintf(buf, sizeof buf, "%llu:%02llu", static_cast<unsigned long long>(s / 60),
                       static_cast<unsigned long long>(s % 60));
    return buf;
}

}  // namespace

bool progress_wanted(const Context& ctx) { return !ctx.json && ::isatty(STDERR_FILENO) == 1; }

std::string human_bytes(uint64_t bytes) {
    const char* units[] = {"B", "kB", "MB", "GB", "TB"};
    double v = static_cast<double>(bytes);
    size_t u = 0;
    while (v >= 1000 && u + 1 < std::size(units)) {
        v /= 1000;
        ++u;
    }
    return u == 0 ? std::to_string(bytes) + " B" : one_decimal(v) + " " + units[u];
}

ProgressBar::ProgressBar(std::string label, bool enabled, std::string unit)
    : label_(std::move(label)), enabled_(enabled), unit_(std::move(unit)), start_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() {
    if (drawn_ && !finished_) std::fputc('\n', stderr);
}

void ProgressBar::update(uint64_t done, uint64_t total, uint64_t bytes) {
    done_ = done;
    total_ = total;
    bytes_ = bytes;
    if (!enabled_ || finished_) return;
    const auto now = std::chrono::steady_clock::now();
    if (drawn_ && now - last_draw_ < kRedrawInterval) return;
    last_draw_ = now;
    draw();
}

void ProgressBar::finish() {
    if (!enabled_ || finished_) return;
    draw();
    std::fputc('\n', stderr);
    finished_ = true;
}

void ProgressBar::draw() {
    std::fprintf(stderr, "\r%s\x1b[K", line().c_str());  // \x1b[K: clear what a longer line left
    std::fflush(stderr);
    drawn_ = true;
}

std::string ProgressBar::line() const {
    const double fraction = total_ ? static_cast<double>(done_) / static_cast<double>(total_) : 1.0;
    const int filled = static_cast<int>(fraction * kBarWidth);
    std::string bar = "[" + std::string(static_cast<size_t>(filled), '#') +
                      std::string(static_cast<size_t>(kBarWidth - filled), '.') + "]";
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::string s = label_ + " " + bar + " " + std::to_string(done_) + "/" + std::to_string(total_) + " " + unit_ + "  " +
                    human_bytes(bytes_);
    if (elapsed > 0.2) {
        s += "  " + human_bytes(static_cast<uint64_t>(static_cast<double>(bytes_) / elapsed)) + "/s";
        if (done_ > 0 && done_ < total_)
            s += "  ETA " + duration_text(elapsed * static_cast<double>(total_ - done_) / static_cast<double>(done_));
    }
    return s;
}

}  // namespace baton::agent
