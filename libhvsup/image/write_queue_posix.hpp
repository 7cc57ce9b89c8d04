// SPDX-License-Identifier: MIT
// The output's I/O thread (POSIX): the building thread fills buffers and hands them over; one
// writer thread issues the pwritev / copy_file_range / hole-punching calls in the order they
// were queued, so parsing the input overlaps the kernel's copying into the page cache. A
// second thread runs fdatasync now and then, so the final fsync finds little left.
//
// Errors (ENOSPC, EIO, a source that ends early) are kept and thrown by the next submit(),
// take_buffer() or drain() on the building thread; after one, queued work is skipped. Both
// threads block every signal: the signal handling of the tools relies on the main thread.
#pragma once

#include <sys/uio.h>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hvsup::image {

class WriteQueue {
public:
    static constexpr size_t buffer_size = 512u << 10;
    static constexpr size_t buffers = 4;  // one being filled, up to three queued or being written
    // Each queued copy holds a descriptor of its source. A tree of thousands of large files is
    // walked much faster than they are copied, and without a bound the queue ran the process
    // out of descriptors ("too many open files" under a limit of 64 with 200 files of 260 KiB).
    static constexpr size_t max_copies = 16;

    // `fd` stays owned by the caller and open until the queue is destroyed; `name` is the
    // output's name for error messages.
    WriteQueue(int fd, std::string name);
    ~WriteQueue();  // abandons queued work, joins the threads
    WriteQueue(const WriteQueue&) = delete;
    WriteQueue& operator=(const WriteQueue&) = delete;

    // A free buffer of buffer_size bytes (blocks while all are queued).
    uint8_t* take_buffer();
    // Writes the vectors at `offset`, then returns `buffer` (from take_buffer, or null) to the
    // free list. The vectors point into `buffer` or into memory that outlives the queue.
    void submit_write(std::vector<iovec> iov, uint64_t offset, uint8_t* buffer);
    // Copies `size` bytes at `in_offset` of `fd` (which the queue takes and closes) to
    // `out_offset`: copy_file_range, or read and write where the kernel cannot copy between
    // the two files. Blocks while `max_copies` copies are queued or being done.
    void submit_copy(int fd, uint64_t in_offset, uint64_t size, uint64_t out_offset);
    // Punches a hole (or writes zeros where the filesystem cannot).
    void submit_discard(uint64_t offset, uint64_t size);
    // Waits until everything queued is done; throws the first error.
    void drain();
    // Throws the first error of the I/O thread, if any, without waiting.
    void check();
    // Stops the background fdatasync and returns its first error (0 when none): an error
    // reported to one fdatasync call is not reported again to a later fsync.
    int stop_syncer();

private:
    struct Job {
        enum Kind { write, copy, discard } kind;
        std::vector<iovec> iov;
        uint8_t* buffer = nullptr;
        int fd = -1;
        uint64_t in_offset = 0, size = 0, offset = 0;
    };
    void run();
    void run_syncer();
    void execute(Job& job);
    void pwrite_all(std::vector<iovec>& iov, uint64_t offset);
    void copy(Job& job);
    void discard(const Job& job);
    void wrote(uint64_t n);
    void rethrow_locked();

    int fd_;
    std::string name_;
    std::vector<std::unique_ptr<uint8_t[]>> storage_;
    std::unique_ptr<uint8_t[]> copy_buffer_;  // only when the kernel cannot copy: read + write

    std::mutex mu_;
    std::condition_variable work_cv_, done_cv_;
    std::deque<Job> jobs_;
    std::vector<uint8_t*> free_;
    bool busy_ = false, stopping_ = false;
    size_t copies_ = 0;  // copy jobs queued or being done: descriptors the queue holds
    std::exception_ptr error_;

    // Background writeback, started by the writer every `writeback_step` bytes, and
    // fdatasync, asked of the syncer every `sync_step` bytes (steps measured in docs/image.md).
    static constexpr uint64_t writeback_step = 4u << 20;
    static constexpr uint64_t sync_step = 8u << 20;
    uint64_t unstarted_ = 0;  // writer thread only
    uint64_t unsynced_ = 0;  // writer thread only
    std::mutex sync_mu_;
    std::condition_variable sync_cv_;
    bool sync_wanted_ = false, sync_stop_ = false;
    int sync_error_ = 0;

    std::thread writer_, syncer_;
};

}  // namespace hvsup::image
