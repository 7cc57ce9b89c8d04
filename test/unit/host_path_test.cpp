// SPDX-License-Identifier: MIT
// Kernel, rootfs and disk paths reach HCS, which opens them in its own service process: only
// paths that do not depend on a working directory are accepted (docs/hcs.md, "Paths").
#include "core/error.hpp"
#include "core/host_path.hpp"
#include "core/json.hpp"
#include "protocol/codec.hpp"
#include "protocol/validate.hpp"

#include <catch2/catch.hpp>

using namespace hvsup;

namespace {

std::string validation_error(const std::string& config_members)
{
    const std::string text = R"({"command":"run","identity":{"requestID":"q","runtimeID":"agent-1","role":"workload",)"
                             R"("backend":"windows-hyperv"},"config":{"stateDir":"/state",)" +
                             config_members + "}}";
    protocol::Request r = protocol::decode_request(text);
    try {
        protocol::validate_request(r);
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::invalid_argument);
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("host paths must not depend on a working directory", "[core][paths]")
{
    for (const char* ok : {"C:\\microagent\\Image", "c:/microagent/Image", "\\\\server\\share\\Image",
                           "\\\\?\\C:\\Image", "/var/lib/Image", "\\boot\\Image"}) {
        CHECK(core::is_absolute_host_path(ok));
    }
    for (const char* bad : {"Image", "kernels\\Image", "kernels/Image", "./Image", "..\\Image", "C:Image", "C:", ""}) {
        CHECK_FALSE(core::is_absolute_host_path(bad));
    }
}

TEST_CASE("relative kernel, rootfs and disk paths are refused naming the field", "[protocol][paths]")
{
    const std::string disk = R"(,"disks":[{"name":"data","path":"%s","mountpoint":"/data","mode":"rw"}])";
    auto with_disk = [&](const std::string& path) {
        std::string d = disk;
        d.replace(d.find("%s"), 2, path);
        return d;
    };
    CHECK(validation_error(R"("kernelPath":"C:\\k\\Image","rootfsPath":"C:\\w\\rootfs.vhd")") == "");
    CHECK(validation_error(R"("kernelPath":"Image","rootfsPath":"C:\\w\\rootfs.vhd")") ==
          "config.kernelPath must be an absolute path");
    CHECK(validation_error(R"("kernelPath":"C:Image","rootfsPath":"C:\\w\\rootfs.vhd")") ==
          "config.kernelPath must be an absolute path");
    CHECK(validation_error(R"("kernelPath":"/k/Image","rootfsPath":"w/rootfs.vhd")") ==
          "config.rootfsPath must be an absolute path");
    CHECK(validation_error(R"("kernelPath":"/k/Image","rootfsPath":"/w/rootfs.vhd")" + with_disk("..\\\\d.vhd")) ==
          "disk \"data\" path must be absolute");
    CHECK(validation_error(R"("kernelPath":"/k/Image","rootfsPath":"/w/rootfs.vhd")" + with_disk("/d/data.vhd")) == "");
}
