// SPDX-License-Identifier: MIT
// A fresh simulated host per test: HVSUP_SIM_DIR and HVSUP_HVSOCK_EMULATION_DIR in a temp
// directory, a kernel file, fixed VHDs, scripts, and a leak check on teardown.
#pragma once

#include "core/json.hpp"
#include "hcs/client.hpp"
#include "hcs/document.hpp"
#include "supervisor/compute_document.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace hvsup::simtest {

std::string computecore_library();  // path of libhvsup-sim-computecore.so
std::string vmcompute_library();    // path of libhvsup-sim-vmcompute.so

// Writes `data_bytes` zero bytes plus a valid fixed-VHD footer.
void write_fixed_vhd(const std::filesystem::path& file, uint64_t data_bytes);

class SimHost {
public:
    SimHost();
    ~SimHost();
    SimHost(const SimHost&) = delete;
    SimHost& operator=(const SimHost&) = delete;

    const std::filesystem::path& dir() const { return dir_; }
    std::filesystem::path sim_dir() const { return dir_ / "sim"; }
    std::filesystem::path emulation_dir() const { return dir_ / "hvsock"; }
    std::filesystem::path kernel() const { return dir_ / "Image"; }
    std::filesystem::path rootfs() const { return dir_ / "rootfs.vhd"; }

    // scripts/default.json or scripts/<id>.json
    void script(const json::object& script, const std::string& id = {});
    // Compute systems the simulator holds (systems/*.json) whose state is not Stopped.
    std::vector<std::string> live_systems() const;
    // A document for runtime `id` with the fixture's kernel and rootfs.
    supervisor::DocumentInputs inputs(const std::string& id) const;
    // Grants `vm` what a kernel-direct inputs() document boots from: the kernel and the rootfs.
    void grant(hcs::HcsClient& client, const std::string& vm) const;

private:
    std::filesystem::path dir_;
};

}  // namespace hvsup::simtest
