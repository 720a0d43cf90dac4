// A one-line progress bar on stderr for long-running commands (prepare, push): records, bytes,
// rate and ETA, redrawn in place at most every 100 ms. It draws only when enabled — on a
// terminal and without --json (see progress_wanted); a disabled bar does nothing, so callers
// need no conditions of their own. Never give it a record value: it shows counts only.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "agent/context.h"

namespace baton::agent {

// True when stderr is a terminal and the output is not --json.
bool progress_wanted(const Context& ctx);

// "12.3 MB", "1.0 GB", "512 B": decimal units, as disks and networks count.
std::string human_bytes(uint64_t bytes);

class ProgressBar {
public:
    // `unit` names what update() counts ("records", "chunks").
    ProgressBar(std::string label, bool enabled, std::string unit = "records");
    ~ProgressBar();  // ends the line if the bar was drawn and not finished
    ProgressBar(const ProgressBar&) = delete;
    ProgressBar& operator=(const ProgressBar&) = delete;

    // Records the progress (`done` of `total` units, `bytes` so far); redraws when 100 ms
    // passed since the last draw.
    void update(uint64_t done, uint64_t total, uint64_t bytes);
    // Draws the final state and ends the line. Later calls do nothing.
    void finish();

private:
    void draw();
    std::string line() const;

    std::string label_;
    bool enabled_;
    std::string unit_;
    bool drawn_ = false, finished_ = false;
    uint64_t done_ = 0, total_ = 0, bytes_ = 0;
    std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace baton::agent
