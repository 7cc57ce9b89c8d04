// SPDX-License-Identifier: MIT
#include "store.hpp"

#include "core/error.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <random>

namespace hvsup::sim::hcn {

namespace {

constexpr int32_t e_fail = static_cast<int32_t>(0x80004005u);

std::mutex& process_mutex()
{
    static std::mutex m;
    return m;
}

std::filesystem::path sim_root()
{
    const char* dir = std::getenv("HVSUP_SIM_DIR");
    if (dir == nullptr || *dir == 0) throw Failure{e_fail, "HVSUP_SIM_DIR is not set"};
    return files::from_utf8(dir) / "hcn";
}

files::FileLock lock_root(const std::filesystem::path& root)
{
    files::ensure_private_dir(root / "networks");
    files::ensure_private_dir(root / "endpoints");
    return files::FileLock(root / "lock");
}

int32_t parse_hresult(const json::value& v)
{
    if (v.is_int64()) return static_cast<int32_t>(static_cast<uint32_t>(v.as_int64()));
    if (v.is_uint64()) return static_cast<int32_t>(static_cast<uint32_t>(v.as_uint64()));
    if (v.is_string()) return static_cast<int32_t>(std::stoul(std::string(v.as_string()), nullptr, 0));
    throw Failure{e_fail, "faults.json: hresult must be a number or a string"};
}

// faults.json: {"<Function>": {"hresult": "0x803b0001", "message": "...", "count": 1}}. A
// fault without "count" fires on every call; with one it fires that many times. With "skip": N
// the first N calls pass untouched (a fault on the second enumeration of a sequence). A fault
// with "result" (enumerate only) succeeds with that text instead, e.g. "[]" to model a network
// another process creates right after our lookup.
std::optional<std::string> apply_fault(const std::filesystem::path& root, const char* function)
{
    const auto text = files::read_if_exists(root / "faults.json", 1 << 20);
    if (!text) return std::nullopt;
    auto doc = json::parse(*text, "faults.json");
    auto* all = doc.if_object();
    if (all == nullptr) return std::nullopt;
    auto* entry = all->if_contains(function);
    if (entry == nullptr || !entry->is_object()) return std::nullopt;
    auto& fault = entry->as_object();
    if (auto* skip = fault.if_contains("skip"); skip != nullptr && skip->is_int64() && skip->as_int64() > 0) {
        *skip = skip->as_int64() - 1;
        files::write_atomic(root / "faults.json", json::pretty(doc));
        return std::nullopt;
    }
    int32_t hr = e_fail;
    if (const auto* h = fault.if_contains("hresult")) hr = parse_hresult(*h);
    std::string message = "injected failure";
    if (const auto* m = fault.if_contains("message"); m != nullptr && m->is_string()) message = m->as_string().c_str();
    std::optional<std::string> result;
    if (const auto* r = fault.if_contains("result"); r != nullptr && r->is_string())
        result = std::string(r->as_string());
    if (auto* count = fault.if_contains("count")) {
        const int64_t left = count->is_int64() ? count->as_int64() : 0;
        if (left <= 0) return std::nullopt;
        if (left == 1) {
            all->erase(function);
        } else {
            *count = left - 1;
        }
        files::write_atomic(root / "faults.json", json::pretty(doc));
    }
    if (result) return result;
    throw Failure{hr, message};
}

}  // namespace

std::filesystem::path Store::root()
{
    return sim_root();
}

Store::Store(const char* function)
    : process_lock_(process_mutex()), file_lock_(lock_root(sim_root())), root_(sim_root())
{
    std::ofstream(root_ / "calls.log", std::ios::app) << function << '\n';
    injected_result_ = apply_fault(root_, function);
}

std::map<std::string, json::object> Store::read_all(const char* kind) const
{
    std::map<std::string, json::object> out;
    for (const auto& entry : std::filesystem::directory_iterator(root_ / kind)) {
        const auto name = entry.path().filename().string();
        if (entry.path().extension() != ".json" || name.front() == '.') continue;
        const auto text = files::read_if_exists(entry.path(), 1 << 20);
        if (!text) continue;
        auto v = json::parse(*text, name);
        if (!v.is_object()) throw Failure{e_fail, "simulator state file " + name + " is not an object"};
        out.emplace(normalize_id(entry.path().stem().string()), std::move(v.as_object()));
    }
    return out;
}

std::map<std::string, json::object> Store::networks() const
{
    return read_all("networks");
}
std::map<std::string, json::object> Store::endpoints() const
{
    return read_all("endpoints");
}

std::optional<json::object> Store::network(const std::string& id) const
{
    auto all = networks();
    auto it = all.find(normalize_id(id));
    if (it == all.end()) return std::nullopt;
    return it->second;
}

std::optional<json::object> Store::endpoint(const std::string& id) const
{
    auto all = endpoints();
    auto it = all.find(normalize_id(id));
    if (it == all.end()) return std::nullopt;
    return it->second;
}

void Store::put_network(const json::object& p)
{
    files::write_atomic(root_ / "networks" / (normalize_id(std::string(p.at("ID").as_string())) + ".json"),
                        json::pretty(p));
}

void Store::put_endpoint(const json::object& p)
{
    files::write_atomic(root_ / "endpoints" / (normalize_id(std::string(p.at("ID").as_string())) + ".json"),
                        json::pretty(p));
}

void Store::remove_endpoint(const std::string& id)
{
    std::filesystem::remove(root_ / "endpoints" / (normalize_id(id) + ".json"));
}

void Store::remove_network(const std::string& id)
{
    std::filesystem::remove(root_ / "networks" / (normalize_id(id) + ".json"));
}

std::string normalize_id(const std::string& id)
{
    std::string out = id;
    if (out.size() == 38 && out.front() == '{' && out.back() == '}') out = out.substr(1, 36);
    for (auto& c : out) {
        if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

std::string random_guid()
{
    static std::mutex m;
    static std::mt19937_64 rng{std::random_device{}()};
    std::lock_guard lock(m);
    const uint64_t a = rng(), b = rng();
    return fmt::format("{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}", static_cast<uint32_t>(a >> 32),
                       static_cast<uint16_t>(a >> 16), static_cast<uint16_t>(a & 0xfff),
                       static_cast<uint16_t>(0x8000 | ((b >> 48) & 0x3fff)), b & 0xffffffffffffULL);
}

}  // namespace hvsup::sim::hcn
