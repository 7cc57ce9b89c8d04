// SPDX-License-Identifier: MIT
#include "host.hpp"

#include "codes.hpp"

#include "core/error.hpp"
#include "core/utf.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>

namespace hvsup::sim {
namespace {

std::string exit_status_json(const std::string& exit_type)
{
    return json::compact(json::object{{"Status", 0}, {"ExitType", exit_type}});
}

}  // namespace

api::PWSTR host_string(const std::string& utf8)
{
    std::u16string w;
    try {
        w = utf::to_utf16(utf8);
    } catch (...) {
        w = u"<invalid UTF-8>";
    }
    auto* out = static_cast<char16_t*>(host_alloc((w.size() + 1) * sizeof(char16_t)));
    if (out == nullptr) return nullptr;
    std::memcpy(out, w.c_str(), (w.size() + 1) * sizeof(char16_t));
    return out;
}

std::string from_wide(api::PCWSTR s)
{
    return utf::from_host(s);
}

Host& Host::instance()
{
    // Where the platform keeps the simulator loaded for good (Windows), the host is never
    // destroyed: a DLL's destructors run at process exit after the worker thread was killed,
    // and touching its mutex or condition variable then hangs the exit. Elsewhere it is
    // destroyed at exit or unload, joining the worker.
    static const bool pinned = keep_loaded();
    if (pinned) {
        static Host* forever = new Host;
        return *forever;
    }
    static Host host;
    return host;
}

Host::Host() : worker_([this] { run_worker(); }) {}

Host::~Host()
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    if (worker_.joinable()) worker_.join();
}

std::shared_ptr<Registry> Host::registry()
{
    // Re-read every time: one test process may point HVSUP_SIM_DIR at a fresh host per test.
    auto dir = Registry::directory();
    std::lock_guard lock(mutex_);
    if (!registry_ || registry_->dir() != dir) registry_ = std::make_shared<Registry>(dir);
    return registry_;
}

Script Host::script(const std::string& id)
{
    return registry()->script(id);
}

void Host::log_call(Api api, const std::string& call, const std::string& id)
{
    try {
        registry()->log_call(api == Api::v1 ? "vmcompute" : "computecore", call, id);
    } catch (...) {
    }
}

void Host::mark_started(const std::string& id)
{
    try {
        auto reg_owner = registry();
        Registry& reg = *reg_owner;
        auto lock = reg.lock();
        auto record = reg.load(id);
        if (record && record->state == "Running" && !record->start_completed) {
            record->start_completed = true;
            reg.save(*record);
        }
    } catch (...) {
    }
}

void Host::after(std::chrono::milliseconds delay, std::function<void()> fn)
{
    {
        std::lock_guard lock(mutex_);
        tasks_.emplace(std::chrono::steady_clock::now() + delay, std::move(fn));
    }
    changed_.notify_all();
}

void Host::run_worker()
{
    auto next_poll = std::chrono::steady_clock::now();
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        const auto now = std::chrono::steady_clock::now();
        if (!tasks_.empty() && tasks_.begin()->first <= now) {
            auto fn = std::move(tasks_.begin()->second);
            tasks_.erase(tasks_.begin());
            lock.unlock();
            try {
                fn();
            } catch (...) {
            }
            lock.lock();
            continue;
        }
        if (now >= next_poll) {
            const bool any = !handles_.empty();
            lock.unlock();
            if (any) {
                try {
                    poll();
                } catch (...) {
                }
            }
            lock.lock();
            next_poll = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
            continue;
        }
        auto wake = next_poll;
        if (!tasks_.empty() && tasks_.begin()->first < wake) wake = tasks_.begin()->first;
        changed_.wait_until(lock, wake);
    }
}

void Host::poll()
{
    std::vector<std::string> ids;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [ptr, h] : handles_) {
            if (h->exists && !h->exited) ids.push_back(h->id);
        }
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    for (const auto& id : ids) refresh(id);
}

bool Host::refresh(const std::string& id)
{
    auto reg_owner = registry();
    Registry& reg = *reg_owner;
    std::optional<std::string> exit_type;
    {
        auto lock = reg.lock();
        auto record = reg.load(id);
        if (record) {
            if (record->state != "Running" || guest_alive(record->guest_pid)) return false;
            if (auto guest = reg.guest_exit_type(id)) {
                exit_type = *guest;
            } else if (record->stop_request == "terminate") {
                exit_type = "ForcedExit";
            } else {
                exit_type = "UnexpectedExit";
            }
            reg.remove(id);
            reg.clear_exit_files(id);
            reg.write_tombstone(id, *exit_type);
        } else {
            exit_type = reg.tombstone(id).value_or("Unknown");
        }
    }
    announce_exit(id, *exit_type);
    return true;
}

void Host::announce_exit(const std::string& id, const std::string& exit_type)
{
    std::vector<Handle*> targets;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [ptr, h] : handles_) {
            if (h->id == id && h->exists && !h->exited) {
                h->exited = true;
                h->exit_type = exit_type;
                targets.push_back(ptr);
            }
        }
    }
    for (Handle* h : targets)
        notify_later(h, Note{NoteKind::exited, 0, exit_status_json(exit_type)}, std::chrono::milliseconds(0));
}

Handle* Host::new_handle(const std::string& id, Api api)
{
    auto h = std::make_unique<Handle>();
    h->id = id;
    h->api = api;
    try {
        if (auto record = registry()->load(id)) {
            h->runtime_id = record->runtime_id;
            h->exists = true;
        }
    } catch (...) {
    }
    Handle* raw = h.get();
    std::lock_guard lock(mutex_);
    handles_.emplace(raw, std::move(h));
    return raw;
}

bool Host::valid(Handle* h)
{
    std::lock_guard lock(mutex_);
    return handles_.count(h) != 0;
}

void Host::wait_not_delivering(Handle* h, std::unique_lock<std::mutex>& lock)
{
    if (std::this_thread::get_id() == worker_.get_id()) return;  // closing from inside a callback
    changed_.wait(lock, [&] { return delivering_ != h; });
}

void Host::close(Handle* h)
{
    std::unique_lock lock(mutex_);
    auto it = handles_.find(h);
    if (it == handles_.end()) return;
    auto owned = std::move(it->second);
    handles_.erase(it);
    for (auto r = registrations_.begin(); r != registrations_.end();) {
        r = r->second == h ? registrations_.erase(r) : std::next(r);
    }
    wait_not_delivering(h, lock);
}

int32_t Host::register_callback(Handle* h, api::NotificationCallback cb, void* ctx, void** registration)
{
    std::vector<Note> queued;
    {
        std::lock_guard lock(mutex_);
        auto it = handles_.find(h);
        if (it == handles_.end()) return static_cast<int32_t>(0x80070006u);
        void* key = new char;  // a unique registration handle
        it->second->registrations[key] = {cb, ctx};
        registrations_[key] = h;
        *registration = key;
        queued.swap(it->second->queued);
    }
    for (auto& n : queued) notify_later(h, n, std::chrono::milliseconds(0));
    return s_ok;
}

int32_t Host::unregister_callback(void* registration)
{
    std::unique_lock lock(mutex_);
    auto it = registrations_.find(registration);
    if (it == registrations_.end()) return static_cast<int32_t>(0x80070006u);
    Handle* h = it->second;
    registrations_.erase(it);
    if (auto hit = handles_.find(h); hit != handles_.end()) hit->second->registrations.erase(registration);
    delete static_cast<char*>(registration);
    wait_not_delivering(h, lock);
    return s_ok;
}

int32_t Host::set_event_callback(Handle* h, api::EventCallback cb, void* ctx)
{
    std::lock_guard lock(mutex_);
    auto it = handles_.find(h);
    if (it == handles_.end()) return static_cast<int32_t>(0x80070006u);
    if (it->second->event_callback != nullptr) return static_cast<int32_t>(0x80370119u);
    it->second->event_callback = cb;
    it->second->event_context = ctx;
    return s_ok;
}

void Host::notify_later(Handle* h, Note note, std::chrono::milliseconds delay)
{
    after(delay, [this, h, note] { deliver(h, note); });
}

void Host::deliver(Handle* h, const Note& original)
{
    std::unique_lock lock(mutex_);
    auto it = handles_.find(h);
    if (it == handles_.end()) return;
    Note note = original;
    Handle& handle = *it->second;
    if (note.kind == NoteKind::start_completed && note.status >= 0) {
        if (handle.exited) {
            // Killed while starting: the start completes with the reason it did not finish.
            note.status = static_cast<int32_t>(0xC0370100u);
        } else {
            const std::string id = handle.id;
            lock.unlock();
            mark_started(id);
            lock.lock();
            it = handles_.find(h);
            if (it == handles_.end()) return;
        }
    }
    if (handle.api == Api::v1) {
        if (handle.registrations.empty()) {
            handle.queued.push_back(note);
            return;
        }
        api::Notification type = api::Notification::invalid;
        switch (note.kind) {
            case NoteKind::create_completed:
                type = api::Notification::system_create_completed;
                break;
            case NoteKind::start_completed:
                type = api::Notification::system_start_completed;
                break;
            case NoteKind::exited:
                type = api::Notification::system_exited;
                break;
            case NoteKind::service_disconnect:
                type = api::Notification::service_disconnect;
                break;
        }
        auto regs = handle.registrations;
        delivering_ = h;
        lock.unlock();
        const std::u16string data = utf::to_utf16(note.data);
        for (const auto& [key, reg] : regs) {
            reg.first(static_cast<api::DWORD>(type), reg.second, note.status,
                      note.data.empty() ? nullptr : data.c_str());
        }
        lock.lock();
        delivering_ = nullptr;
        lock.unlock();
        changed_.notify_all();
        return;
    }
    if (handle.event_callback == nullptr) return;
    api::HcsEvent event{};
    std::u16string data = utf::to_utf16(note.data);
    if (note.kind == NoteKind::exited) {
        event.type = static_cast<uint32_t>(api::EventType::system_exited);
    } else if (note.kind == NoteKind::service_disconnect) {
        event.type = static_cast<uint32_t>(api::EventType::service_disconnect);
    } else {
        return;  // v2 completions go through operations
    }
    event.event_data = note.data.empty() ? nullptr : data.c_str();
    auto cb = handle.event_callback;
    void* ctx = handle.event_context;
    delivering_ = h;
    lock.unlock();
    cb(&event, ctx);
    lock.lock();
    delivering_ = nullptr;
    lock.unlock();
    changed_.notify_all();
}

void Host::complete_start_later(Handle* h, std::shared_ptr<Operation> op, Outcome outcome,
                                std::chrono::milliseconds delay)
{
    after(delay, [this, h, op, outcome]() mutable {
        if (outcome.hr >= 0) {
            std::lock_guard lock(mutex_);
            auto it = handles_.find(h);
            if (it != handles_.end() && it->second->exited) {
                outcome = fail(hcs_terminated_during_start, "the compute system was terminated while starting");
            }
        }
        if (outcome.hr >= 0) {
            std::string id;
            {
                std::lock_guard lock(mutex_);
                if (auto it = handles_.find(h); it != handles_.end()) id = it->second->id;
            }
            if (!id.empty()) mark_started(id);
        }
        complete_later(op, outcome, std::chrono::milliseconds(0));
    });
}

void Host::complete_later(std::shared_ptr<Operation> op, Outcome outcome, std::chrono::milliseconds delay)
{
    after(delay, [op, outcome] {
        api::OperationCompletion cb = nullptr;
        void* ctx = nullptr;
        {
            std::lock_guard lock(op->mutex);
            op->done = true;
            op->hr = outcome.hr;
            op->doc = outcome.doc;
            cb = op->callback;
            ctx = op->context;
        }
        op->changed.notify_all();
        if (cb != nullptr) cb(op.get(), ctx);
    });
}

void Host::schedule_disconnect_if_scripted(Handle* h)
{
    const Script s = script(h->id);
    if (s.service_disconnect == "wait") {
        notify_later(h, Note{NoteKind::service_disconnect, hcs_service_disconnect, {}},
                     std::chrono::milliseconds(s.disconnect_after_ms));
    }
}

}  // namespace hvsup::sim
