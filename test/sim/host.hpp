// SPDX-License-Identifier: MIT
// The simulated HCS host as one process sees it: open handles, v2 operations, registered
// callbacks, a worker thread that completes pending work after the scripted delay and delivers
// notifications (always on that thread, never on the caller's), and a poll that turns a dead
// guest process into SystemExited. Persistent state lives in the Registry.
#pragma once

#include "hcs/api.hpp"
#include "registry.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace hvsup::sim {

namespace api = hvsup::hcs::api;

enum class Api { v1, v2 };

struct Outcome {
    int32_t hr = 0;
    std::string doc;  // result document on failure; properties on success where applicable
};

enum class NoteKind { create_completed, start_completed, exited, service_disconnect };

struct Note {
    NoteKind kind;
    int32_t status = 0;
    std::string data;  // SystemExitStatus JSON for exits
};

struct Operation {
    std::mutex mutex;
    std::condition_variable changed;
    bool started = false;
    bool done = false;
    int32_t hr = 0;
    std::string doc;
    void* context = nullptr;
    api::OperationCompletion callback = nullptr;
};

// What HCS_OPERATION points at: the caller's reference; the worker holds its own.
struct OperationBox {
    std::shared_ptr<Operation> op;
};

struct Handle {
    std::string id;
    Api api = Api::v2;
    std::string runtime_id;
    bool exists = false;  // the system existed when the handle was made (a failed create's handle never does)
    bool exited = false;
    std::string exit_type;
    // v1
    std::map<void*, std::pair<api::NotificationCallback, void*>> registrations;
    std::vector<Note> queued;  // v1 notes that arrived before any callback was registered
    // v2
    api::EventCallback event_callback = nullptr;
    void* event_context = nullptr;
};

class Host {
public:
    static Host& instance();
    ~Host();

    std::shared_ptr<Registry> registry();
    Script script(const std::string& id);

    // Entry-point work. Every function is synchronous; the export layers decide how the
    // outcome is reported (v1: return code or pending + notification; v2: operation result).
    Outcome create(const std::string& id, const std::string& configuration);
    Outcome open(const std::string& id);
    Outcome start(Handle* h);
    Outcome shutdown(Handle* h);
    Outcome terminate(Handle* h);
    Outcome properties(Handle* h, const std::string& query);
    Outcome grant(const std::string& vm_id, const std::string& path);
    Outcome service_properties(const std::string& query);

    Handle* new_handle(const std::string& id, Api api);
    bool valid(Handle* h);
    void close(Handle* h);

    // v1 callbacks
    int32_t register_callback(Handle* h, api::NotificationCallback cb, void* ctx, void** registration);
    int32_t unregister_callback(void* registration);
    // v2 event callback
    int32_t set_event_callback(Handle* h, api::EventCallback cb, void* ctx);

    // Delivers `note` to `h` (if still open) on the worker after `delay`.
    void notify_later(Handle* h, Note note, std::chrono::milliseconds delay);
    // Completes `op` on the worker after `delay`.
    void complete_later(std::shared_ptr<Operation> op, Outcome outcome, std::chrono::milliseconds delay);
    // The same for a start: a system that exited meanwhile fails it (terminated during start).
    void complete_start_later(Handle* h, std::shared_ptr<Operation> op, Outcome outcome,
                              std::chrono::milliseconds delay);

    // Runs `fn` on the worker after `delay`.
    void after(std::chrono::milliseconds delay, std::function<void()> fn);

    void log_call(Api api, const std::string& call, const std::string& id);

    // Records that the start of `id` was reported complete: the emulated guest waits for this
    // before it "boots", as a VM's guest runs only after power-on.
    void mark_started(const std::string& id);

private:
    Host();
    void run_worker();
    void poll();
    // Turns a dead guest into an exit (record removed, tombstone written) and tells the
    // handles of this process. Returns true when the system no longer exists.
    bool refresh(const std::string& id);
    void announce_exit(const std::string& id, const std::string& exit_type);
    void deliver(Handle* h, const Note& original);
    void wait_not_delivering(Handle* h, std::unique_lock<std::mutex>& lock);
    void schedule_disconnect_if_scripted(Handle* h);

    std::mutex mutex_;
    std::condition_variable changed_;
    std::map<Handle*, std::unique_ptr<Handle>> handles_;
    std::map<void*, Handle*> registrations_;
    Handle* delivering_ = nullptr;
    std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> tasks_;
    bool stopping_ = false;
    std::shared_ptr<Registry> registry_;
    std::thread worker_;
};

// Strings handed to the caller: UTF-16 from host_alloc (malloc on POSIX, CoTaskMemAlloc on
// Windows: the binding frees them the matching way).
api::PWSTR host_string(const std::string& utf8);
std::string from_wide(api::PCWSTR s);

// The guest process and the platform's conventions (process_posix.cpp, process_win.cpp).
int64_t spawn_guest(const std::filesystem::path& sim_dir, const std::string& id, const std::filesystem::path& log);
bool guest_alive(int64_t pid);
// POSIX: SIGTERM / SIGKILL. Windows has no signals: a shutdown request reaches the guest
// through the record's StopRequest, which it polls; a kill is TerminateProcess.
void signal_guest(int64_t pid, bool kill);
// Memory for strings handed to the caller, in the allocator the binding frees with: malloc on
// POSIX, CoTaskMemAlloc on Windows (as the real HCS returns them).
void* host_alloc(size_t bytes);
int64_t current_pid();
// Windows: pins the simulator DLL so FreeLibrary never unmaps the worker thread's code, and
// returns true (the Host is then never destroyed). POSIX: returns false.
bool keep_loaded();

}  // namespace hvsup::sim
