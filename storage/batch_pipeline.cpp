#include "storage/batch_pipeline.h"

namespace baton::storage {

BatchPipeline::BatchPipeline(StagePlaintextReader& reader) : reader_(reader) {
    for (size_t i = 0; i < kDepth; ++i) free_.push_back(std::make_unique<StageBatch>());
    producer_ = std::thread([this] { produce(); });
}

BatchPipeline::~BatchPipeline() { finish(); }

void BatchPipeline::finish() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    changed_.notify_all();
    if (producer_.joinable()) producer_.join();
}

std::unique_ptr<StageBatch> BatchPipeline::take_free() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return stop_ || !free_.empty(); });
    if (stop_) return nullptr;
    auto b = std::move(free_.back());
    free_.pop_back();
    return b;
}

void BatchPipeline::push(Item item) {
    {
        std::lock_guard lock(mutex_);
        ready_.push_back(std::move(item));
    }
    changed_.notify_all();
}

// The producer thread: every batch in order, then one last item (end, fault or error).
void BatchPipeline::produce() {
    Bytes bytes;
    for (;;) {
        auto batch = take_free();
        if (!batch) break;
        auto step = reader_.next(bytes);
        if (!step) {
            push({nullptr, std::nullopt, step.error()});
            break;
        }
        if (*step == StagePlaintextReader::Step::fault) {
            push({nullptr, reader_.fault(), std::nullopt});
            break;
        }
        if (*step == StagePlaintextReader::Step::end) {
            push({nullptr, std::nullopt, std::nullopt});
            break;
        }
        if (auto bad = batch->parse(bytes)) {
            push({nullptr, std::move(bad), std::nullopt});
            break;
        }
        push({std::move(batch), std::nullopt, std::nullopt});
    }
    wipe_bytes(bytes);
}

Result<BatchPipeline::Step> BatchPipeline::next(const StageBatch*& batch) {
    Item item;
    {
        std::unique_lock lock(mutex_);
        if (in_use_) free_.push_back(std::move(in_use_));  // StageBatch::parse wipes what it held
        changed_.notify_all();
        changed_.wait(lock, [this] { return !ready_.empty(); });
        item = std::move(ready_.front());
        ready_.pop_front();
    }
    if (item.error) return *item.error;
    if (item.fault) {
        fault_ = std::move(*item.fault);
        return Step::fault;
    }
    if (!item.batch) return Step::end;
    in_use_ = std::move(item.batch);
    batch = in_use_.get();
    return Step::batch;
}

}  // namespace baton::storage
