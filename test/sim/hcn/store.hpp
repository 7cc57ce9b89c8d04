// SPDX-License-Identifier: MIT
// The simulated Host Network Service's state: networks and endpoints as JSON files under
// $HVSUP_SIM_DIR/hcn/, shared by every process that loads the simulator (README.md).
#pragma once

#include "core/json.hpp"
#include "core/files.hpp"

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace hvsup::sim::hcn {

// A failure the way HCN reports it: an HRESULT plus an ErrorRecord
// {"Success": false, "Error": message, "ErrorCode": <uint32>}.
struct Failure {
    int32_t hr;
    std::string message;
};

// Everything one entry point sees, under the cross-process lock for its whole duration.
class Store {
public:
    // Locks $HVSUP_SIM_DIR/hcn/lock (Failure E_FAIL when HVSUP_SIM_DIR is unset), records the
    // call in calls.log and applies an injected fault for `function` from faults.json.
    explicit Store(const char* function);

    std::map<std::string, json::object> networks() const;   // id -> properties
    std::map<std::string, json::object> endpoints() const;  // id -> properties
    std::optional<json::object> network(const std::string& id) const;
    std::optional<json::object> endpoint(const std::string& id) const;
    void put_network(const json::object& properties);  // keyed by its "ID"
    void put_endpoint(const json::object& properties);
    void remove_endpoint(const std::string& id);
    void remove_network(const std::string& id);

    static std::filesystem::path root();  // $HVSUP_SIM_DIR/hcn

    // The answer an injected fault substitutes for this call (faults.json "result"), if any.
    const std::optional<std::string>& injected_result() const { return injected_result_; }

private:
    std::map<std::string, json::object> read_all(const char* kind) const;
    std::unique_lock<std::mutex> process_lock_;
    files::FileLock file_lock_;
    std::filesystem::path root_;
    std::optional<std::string> injected_result_;
};

// Lowercase GUID text; ids are compared in this form.
std::string normalize_id(const std::string& id);
std::string random_guid();

}  // namespace hvsup::sim::hcn
