// The buyer's check in two steps on two threads: a producer thread reads the stage's chunks,
// decrypts them, decompresses and decodes each batch (StagePlaintextReader, StageBatch::parse);
// the calling thread takes the decoded batches in order and checks their values. On this
// project's 2-core machines that is the difference between one core and two for the check
// (bench/transfer).
//
// Order is kept: batches arrive exactly as the reader yields them, so the check's counts, record
// numbers and first failure are the same as a single thread's. Memory: at most kDepth decoded
// batches (a few hundred KiB each) besides the reader's chunk.
//
// Thread-safety: the reader (and the database connection it reads through) is used only by the
// producer thread from construction until finish() returns; the caller must not touch either
// in between.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "storage/stage_chunks.h"

namespace baton::storage {

class BatchPipeline {
public:
    static constexpr size_t kDepth = 4;

    explicit BatchPipeline(StagePlaintextReader& reader);
    ~BatchPipeline();  // stops and joins the producer
    BatchPipeline(const BatchPipeline&) = delete;
    BatchPipeline& operator=(const BatchPipeline&) = delete;

    enum class Step { batch, end, fault };
    // The next decoded batch (valid until the next call), the end, or a fault (fault() says what:
    // the reader's or the decoder's). Fails only when the reader fails (io). REQUIRES: no earlier
    // call returned end, fault or an error.
    Result<Step> next(const StageBatch*& batch);
    const StageFault& fault() const { return fault_; }
    // Stops the producer (when the caller gives up early) and waits for it. Afterwards the reader
    // belongs to the caller again. Idempotent.
    void finish();

private:
    struct Item {
        std::unique_ptr<StageBatch> batch;  // null: the end, a fault or an error
        std::optional<StageFault> fault;
        std::optional<Error> error;
    };

    void produce();
    // Blocks until a free batch is available or the pipeline stops; null when stopped.
    std::unique_ptr<StageBatch> take_free();
    void push(Item item);

    StagePlaintextReader& reader_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::unique_ptr<StageBatch>> free_;
    std::deque<Item> ready_;
    std::unique_ptr<StageBatch> in_use_;  // the batch the caller holds
    bool stop_ = false;
    StageFault fault_;
    std::thread producer_;
};

}  // namespace baton::storage
