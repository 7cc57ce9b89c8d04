// SPDX-License-Identifier: MIT
#include "sim_fixture.hpp"

#include "core/files.hpp"

#include <array>
#include <cstdlib>
#include <fstream>
#include <random>
#include <signal.h>
#include <unistd.h>

namespace hvsup::simtest {
namespace {

std::filesystem::path self_dir()
{
    return std::filesystem::read_symlink("/proc/self/exe").parent_path();
}

void put_be32(unsigned char* p, uint32_t v)
{
    p[0] = static_cast<unsigned char>(v >> 24);
    p[1] = static_cast<unsigned char>(v >> 16);
    p[2] = static_cast<unsigned char>(v >> 8);
    p[3] = static_cast<unsigned char>(v);
}

}  // namespace

std::string computecore_library()
{
    return (self_dir() / "libhvsup-sim-computecore.so").string();
}
std::string vmcompute_library()
{
    return (self_dir() / "libhvsup-sim-vmcompute.so").string();
}

void write_fixed_vhd(const std::filesystem::path& file, uint64_t data_bytes)
{
    std::array<unsigned char, 512> f{};
    std::copy_n("conectix", 8, f.begin());
    put_be32(&f[8], 2);
    put_be32(&f[12], 0x00010000);
    put_be32(&f[16], 0xFFFFFFFF);
    put_be32(&f[20], 0xFFFFFFFF);
    put_be32(&f[40], static_cast<uint32_t>(data_bytes >> 32));
    put_be32(&f[44], static_cast<uint32_t>(data_bytes));
    put_be32(&f[48], static_cast<uint32_t>(data_bytes >> 32));
    put_be32(&f[52], static_cast<uint32_t>(data_bytes));
    put_be32(&f[60], 2);
    uint32_t sum = 0;
    for (unsigned char b : f) sum += b;
    put_be32(&f[64], ~sum);
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    std::string zeros(static_cast<size_t>(data_bytes), '\0');
    out.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
    out.write(reinterpret_cast<const char*>(f.data()), 512);
}

SimHost::SimHost()
{
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("hvsup-simtest-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(sim_dir() / "scripts");
    std::filesystem::create_directories(emulation_dir());
    ::setenv("HVSUP_SIM_DIR", sim_dir().c_str(), 1);
    ::setenv("HVSUP_HVSOCK_EMULATION_DIR", emulation_dir().c_str(), 1);
    std::ofstream(kernel()) << "not really a kernel";
    write_fixed_vhd(rootfs(), 64 * 1024);
}

SimHost::~SimHost()
{
    // Kill whatever guest a failed test left behind, then remove the host.
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(sim_dir() / "systems", ec)) {
        auto text = files::read_if_exists(entry.path(), 1 << 20);
        if (!text) continue;
        try {
            auto v = json::parse(*text, "record");
            const auto pid = json::read_int(v.get_object(), "GuestPid", "GuestPid", 0, INT32_MAX);
            if (pid > 0) ::kill(static_cast<pid_t>(pid), 9);
        } catch (...) {
        }
    }
    std::filesystem::remove_all(dir_, ec);
}

void SimHost::script(const json::object& script, const std::string& id)
{
    files::write_atomic(sim_dir() / "scripts" / ((id.empty() ? std::string("default") : id) + ".json"),
                        json::compact(script));
}

std::vector<std::string> SimHost::live_systems() const
{
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(sim_dir() / "systems", ec)) {
        out.push_back(entry.path().stem().string());
    }
    return out;
}

void SimHost::grant(hcs::HcsClient& client, const std::string& vm) const
{
    client.grant_vm_access(vm, kernel().string());
    client.grant_vm_access(vm, rootfs().string());
}

supervisor::DocumentInputs SimHost::inputs(const std::string& id) const
{
    supervisor::DocumentInputs in;
    in.runtime_id = id;
    in.config.kernel_path = kernel().string();
    in.config.rootfs_path = rootfs().string();
    in.config.state_dir = (dir_ / "state").string();
    in.config.memory_mib = 512;
    in.config.cpu_count = 2;
    return in;
}

}  // namespace hvsup::simtest
