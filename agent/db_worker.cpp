#include "agent/db_worker.h"

namespace baton::agent {

Result<std::unique_ptr<DbWorker>> DbWorker::open(const std::string& path) {
    BATON_ASSIGN(auto db, storage::Database::open(path, false));
    return std::unique_ptr<DbWorker>(new DbWorker(std::move(db)));
}

DbWorker::DbWorker(storage::Database db)
    : db_(std::move(db)), io_(1), guard_(asio::make_work_guard(io_)), thread_([this] { io_.run(); }) {}

DbWorker::~DbWorker() {
    guard_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
}

}  // namespace baton::agent
