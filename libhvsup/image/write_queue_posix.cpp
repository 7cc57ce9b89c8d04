// SPDX-License-Identifier: MIT
// POSIX implementation of image/write_queue_posix.hpp.
#include "image/write_queue_posix.hpp"

#include "core/error.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace hvsup::image {
namespace {

// Starts `fn` on a thread that has every signal blocked (the mask is inherited), so signals
// sent to the process are handled by the main thread only.
template <class Fn>
std::thread start_without_signals(Fn fn)
{
    sigset_t all, old;
    sigfillset(&all);
    ::pthread_sigmask(SIG_BLOCK, &all, &old);
    try {
        std::thread t(std::move(fn));
        ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
        return t;
    } catch (...) {
        ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
        throw;
    }
}

constexpr uint8_t zeros[4096] = {};

}  // namespace

WriteQueue::WriteQueue(int fd, std::string name) : fd_(fd), name_(std::move(name))
{
    for (size_t i = 0; i < buffers; ++i) {
        // Allocated, not touched: a buffer costs resident memory only once used.
        storage_.emplace_back(new uint8_t[buffer_size]);
        free_.push_back(storage_.back().get());
    }
    writer_ = start_without_signals([this] { run(); });
    try {
        syncer_ = start_without_signals([this] { run_syncer(); });
    } catch (...) {
        {
            std::lock_guard lock(mu_);
            stopping_ = true;
        }
        work_cv_.notify_all();
        writer_.join();
        throw;
    }
}

WriteQueue::~WriteQueue()
{
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
        for (Job& job : jobs_) {
            if (job.fd >= 0) ::close(job.fd);
        }
        jobs_.clear();
    }
    work_cv_.notify_all();
    writer_.join();
    stop_syncer();
}

int WriteQueue::stop_syncer()
{
    {
        std::lock_guard lock(sync_mu_);
        sync_stop_ = true;
    }
    sync_cv_.notify_all();
    if (syncer_.joinable()) syncer_.join();
    return sync_error_;
}

uint8_t* WriteQueue::take_buffer()
{
    std::unique_lock lock(mu_);
    done_cv_.wait(lock, [this] { return !free_.empty() || error_; });
    rethrow_locked();
    uint8_t* b = free_.back();
    free_.pop_back();
    return b;
}

void WriteQueue::submit_write(std::vector<iovec> iov, uint64_t offset, uint8_t* buffer)
{
    Job job{Job::write, std::move(iov), buffer};
    job.offset = offset;
    {
        std::lock_guard lock(mu_);
        if (error_) {
            if (buffer != nullptr) free_.push_back(buffer);
            rethrow_locked();
        }
        jobs_.push_back(std::move(job));
    }
    work_cv_.notify_one();
}

void WriteQueue::submit_copy(int fd, uint64_t in_offset, uint64_t size, uint64_t out_offset)
{
    Job job{Job::copy, {}, nullptr, fd, in_offset, size, out_offset};
    {
        std::unique_lock lock(mu_);
        done_cv_.wait(lock, [this] { return copies_ < max_copies || error_; });
        if (error_) {
            ::close(fd);
            rethrow_locked();
        }
        jobs_.push_back(std::move(job));
        ++copies_;
    }
    work_cv_.notify_one();
}

void WriteQueue::submit_discard(uint64_t offset, uint64_t size)
{
    Job job{Job::discard, {}, nullptr, -1, 0, size, offset};
    {
        std::lock_guard lock(mu_);
        rethrow_locked();
        jobs_.push_back(std::move(job));
    }
    work_cv_.notify_one();
}

void WriteQueue::drain()
{
    std::unique_lock lock(mu_);
    done_cv_.wait(lock, [this] { return (jobs_.empty() && !busy_) || error_; });
    rethrow_locked();
}

void WriteQueue::check()
{
    std::lock_guard lock(mu_);
    rethrow_locked();
}

void WriteQueue::rethrow_locked()
{
    if (error_) std::rethrow_exception(error_);
}

void WriteQueue::run()
{
    std::unique_lock lock(mu_);
    while (true) {
        work_cv_.wait(lock, [this] { return !jobs_.empty() || stopping_; });
        if (jobs_.empty()) return;  // stopping, nothing left
        Job job = std::move(jobs_.front());
        jobs_.pop_front();
        busy_ = true;
        const bool skip = error_ != nullptr || stopping_;
        lock.unlock();
        std::exception_ptr failed;
        if (!skip) {
            try {
                execute(job);
            } catch (...) {
                failed = std::current_exception();
            }
        }
        if (job.fd >= 0) ::close(job.fd);
        lock.lock();
        if (job.kind == Job::copy) --copies_;
        if (failed && !error_) error_ = failed;
        if (job.buffer != nullptr) free_.push_back(job.buffer);
        busy_ = false;
        done_cv_.notify_all();
    }
}

void WriteQueue::execute(Job& job)
{
    switch (job.kind) {
    case Job::write:
        pwrite_all(job.iov, job.offset);
        break;
    case Job::copy:
        copy(job);
        break;
    case Job::discard:
        discard(job);
        break;
    }
}

void WriteQueue::pwrite_all(std::vector<iovec>& iov, uint64_t offset)
{
    size_t first = 0;
    while (first < iov.size()) {
        const ssize_t n = ::pwritev(fd_, iov.data() + first, static_cast<int>(iov.size() - first), static_cast<off_t>(offset));
        if (n < 0) {
            if (errno == EINTR) continue;
            throw system_error(errno, "write " + name_);
        }
        offset += static_cast<uint64_t>(n);
        wrote(static_cast<uint64_t>(n));
        auto left = static_cast<size_t>(n);
        while (first < iov.size() && left >= iov[first].iov_len) left -= iov[first++].iov_len;
        if (left > 0) {  // a partial write inside one vector
            iov[first].iov_base = static_cast<uint8_t*>(iov[first].iov_base) + left;
            iov[first].iov_len -= left;
        }
    }
}

void WriteQueue::copy(Job& job)
{
    bool in_kernel = copy_buffer_ == nullptr;  // once refused, every later copy reads and writes
    while (job.size > 0) {
        ssize_t n;
        if (in_kernel) {
            loff_t in = static_cast<loff_t>(job.in_offset), out = static_cast<loff_t>(job.offset);
            n = ::copy_file_range(job.fd, &in, fd_, &out, static_cast<size_t>(std::min<uint64_t>(job.size, 1u << 30)), 0);
            if (n < 0) {
                if (errno == EINTR) continue;
                if (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP || errno == EBADF) {
                    // A pair of files the kernel cannot copy between (another filesystem):
                    // through a buffer from here on.
                    if (copy_buffer_ == nullptr) copy_buffer_.reset(new uint8_t[256u << 10]);
                    in_kernel = false;
                    continue;
                }
                throw system_error(errno, "copy into " + name_);
            }
        } else {
            const size_t want = static_cast<size_t>(std::min<uint64_t>(job.size, 256u << 10));
            n = ::pread(job.fd, copy_buffer_.get(), want, static_cast<off_t>(job.in_offset));
            if (n < 0) {
                if (errno == EINTR) continue;
                throw system_error(errno, "copy into " + name_ + ": read the input");
            }
            if (n > 0) {
                std::vector<iovec> iov{{copy_buffer_.get(), static_cast<size_t>(n)}};
                pwrite_all(iov, job.offset);
            }
        }
        if (n == 0) throw Error(ErrorCode::integrity, "copy into " + name_ + ": the source ended early");
        if (in_kernel) wrote(static_cast<uint64_t>(n));
        job.in_offset += static_cast<uint64_t>(n);
        job.offset += static_cast<uint64_t>(n);
        job.size -= static_cast<uint64_t>(n);
    }
}

void WriteQueue::discard(const Job& job)
{
    if (job.size == 0) return;
    if (::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(job.offset),
                    static_cast<off_t>(job.size)) == 0) {
        return;
    }
    if (errno != EOPNOTSUPP && errno != ENOSYS) throw system_error(errno, "discard in " + name_);
    // No hole punching on this filesystem: overwrite with zeros.
    for (uint64_t done = 0; done < job.size;) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(job.size - done, sizeof zeros));
        std::vector<iovec> iov{{const_cast<uint8_t*>(zeros), n}};
        pwrite_all(iov, job.offset + done);
        done += n;
    }
}

// Every `writeback_step` bytes the writer starts the kernel's writeback of what is dirty
// (sync_file_range with SYNC_FILE_RANGE_WRITE: it queues the pages and does not wait), and
// every `sync_step` bytes the syncer is asked for an fdatasync, which waits for the disk and
// flushes its cache. The two overlap: while one fdatasync waits for a cache flush, the next
// pages are already on their way, so the disk keeps pace with the build and the final fsync
// finds little left (issue 15: 9% faster on minbase, see docs/image.md).
void WriteQueue::wrote(uint64_t n)
{
    unstarted_ += n;
    if (unstarted_ >= writeback_step) {
        unstarted_ = 0;
        // Only a hint: an I/O error it meets is reported by the next fdatasync or fsync.
        (void)::sync_file_range(fd_, 0, 0, SYNC_FILE_RANGE_WRITE);
    }
    unsynced_ += n;
    if (unsynced_ < sync_step) return;
    unsynced_ = 0;
    {
        std::lock_guard lock(sync_mu_);
        sync_wanted_ = true;
    }
    sync_cv_.notify_one();
}

void WriteQueue::run_syncer()
{
    std::unique_lock lock(sync_mu_);
    while (true) {
        sync_cv_.wait(lock, [this] { return sync_wanted_ || sync_stop_; });
        if (sync_stop_) return;
        sync_wanted_ = false;
        lock.unlock();
        const int err = ::fdatasync(fd_) != 0 ? errno : 0;
        lock.lock();
        if (err != 0 && sync_error_ == 0) sync_error_ = err;
    }
}

}  // namespace hvsup::image
