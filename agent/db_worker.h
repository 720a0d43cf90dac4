// A database connection owned by one worker thread, so that SQLite work (commits, fsyncs, stage
// checks) never runs on the network thread (STYLE "Asio 1.22 notes").
//
//   auto n = co_await worker.run([&](storage::Database& db) { return storage::store_chunk(db, ...); });
//
// run() posts the function to the worker thread and resumes the calling coroutine on its own
// executor with the result. Jobs run one at a time in the order posted. The worker has its own
// connection to the home's database (WAL: readers and one writer at a time, with the busy
// timeout of storage/db.h), so the network thread may keep using its own connection for small
// reads and audit rows.
//
// Thread-safety: run() may be called from any coroutine; the function must not touch state the
// network thread uses without its own synchronisation (capture by value, or state the calling
// coroutine does not touch until run() returns).
#pragma once

#include <asio.hpp>

#include <memory>
#include <optional>
#include <thread>
#include <type_traits>

#include "storage/db.h"

namespace baton::agent {

class DbWorker {
public:
    // Opens a second connection to the database at `path` and starts the thread.
    static Result<std::unique_ptr<DbWorker>> open(const std::string& path);
    ~DbWorker();
    DbWorker(const DbWorker&) = delete;
    DbWorker& operator=(const DbWorker&) = delete;

    template <typename F>
    asio::awaitable<std::invoke_result_t<F, storage::Database&>> run(F f) {
        using R = std::invoke_result_t<F, storage::Database&>;
        // co_spawn's completion needs a default-constructible value: carry it in an optional.
        auto job = [this, f = std::move(f)]() mutable -> asio::awaitable<std::optional<R>> {
            co_return std::optional<R>(f(db_));
        };
        std::optional<R> r = co_await asio::co_spawn(io_.get_executor(), std::move(job), asio::use_awaitable);
        co_return std::move(*r);
    }

private:
    explicit DbWorker(storage::Database db);
    storage::Database db_;
    asio::io_context io_;
    asio::executor_work_guard<asio::io_context::executor_type> guard_;
    std::thread thread_;
};

}  // namespace baton::agent
