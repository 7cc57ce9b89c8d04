// SPDX-License-Identifier: MIT
#include "validate.hpp"

#include "core/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>

namespace hvsup::sim {
namespace {

constexpr int32_t invalid_json = static_cast<int32_t>(0x8037010Du);
constexpr int32_t file_not_found = static_cast<int32_t>(0x80070002u);
constexpr int32_t file_corrupt = static_cast<int32_t>(0x80070570u);

struct Invalid {
    int32_t hresult;
    std::string message;
};

[[noreturn]] void reject(const std::string& path, const std::string& why, int32_t hr = invalid_json)
{
    throw Invalid{hr, path.empty() ? why : fmt::format("{}: {}", path, why)};
}

enum class Kind { string, boolean, uint, object, map_of, array_of_objects, guid_string };

struct Shape;
struct Field {
    const char* name;
    Kind kind;
    const Shape* shape = nullptr;           // object / map_of / array_of_objects
    std::vector<const char*> allowed = {};  // enum strings
    int32_t since_minor = 0;                // schema 2.<since_minor> introduced it ("NewInVersion")
};

// A field introduced in schema 2.<minor>: a host whose highest version is older parses the
// document with a schema that lacks it, and refuses it as an unknown field.
Field since(int32_t minor, Field f)
{
    f.since_minor = minor;
    return f;
}

struct Shape {
    std::vector<Field> fields;
};

bool is_guid(std::string_view s)
{
    if (s.size() != 36) return false;
    for (size_t i = 0; i < s.size(); ++i) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') return false;
        } else if (!std::isxdigit(static_cast<unsigned char>(s[i]))) {
            return false;
        }
    }
    return true;
}

// `host_minor`: the host's highest schema minor (major is always 2 once the version passed);
// fields newer than it are unknown to the host. A parameter, not a thread_local: this library
// is dlopen'd and dlclose'd, and LeakSanitizer's exit scan crashes on the thread-local storage
// of a closed library.
void check(const json::value& v, const Shape& shape, const std::string& path, int32_t host_minor);

void check_field(const json::value& v, const Field& f, const std::string& path, int32_t host_minor)
{
    switch (f.kind) {
        case Kind::string:
            if (!v.is_string()) reject(path, "expected a string");
            if (!f.allowed.empty()) {
                bool ok = false;
                for (const char* a : f.allowed) ok = ok || v.get_string() == a;
                if (!ok) reject(path, fmt::format("unknown value {}", json::quote(std::string(v.get_string()))));
            }
            break;
        case Kind::guid_string:
            if (!v.is_string() || !is_guid(std::string(v.get_string()))) reject(path, "expected a GUID string");
            break;
        case Kind::boolean:
            if (!v.is_bool()) reject(path, "expected a boolean");
            break;
        case Kind::uint:
            if (!(v.is_uint64() || (v.is_int64() && v.get_int64() >= 0))) reject(path, "expected an unsigned integer");
            break;
        case Kind::object:
            check(v, *f.shape, path, host_minor);
            break;
        case Kind::map_of:
            if (!v.is_object()) reject(path, "expected an object");
            for (const auto& m : v.get_object()) check(m.value(), *f.shape, path + "." + std::string(m.key()), host_minor);
            break;
        case Kind::array_of_objects:
            if (!v.is_array()) reject(path, "expected an array");
            for (size_t i = 0; i < v.get_array().size(); ++i)
                check(v.get_array()[i], *f.shape, fmt::format("{}[{}]", path, i), host_minor);
            break;
    }
}

void check(const json::value& v, const Shape& shape, const std::string& path, int32_t host_minor)
{
    if (!v.is_object()) reject(path, "expected an object");
    for (const auto& m : v.get_object()) {
        const Field* field = nullptr;
        for (const auto& f : shape.fields) {
            if (m.key() == f.name) field = &f;
        }
        const std::string child = path.empty() ? std::string(m.key()) : path + "." + std::string(m.key());
        if (field == nullptr || field->since_minor > host_minor) reject("", fmt::format("unknown field {}", child));
        check_field(m.value(), *field, child, host_minor);
    }
}

const Shape version_shape{{{"Major", Kind::uint}, {"Minor", Kind::uint}}};
const Shape kernel_direct_shape{
    {since(2, {"KernelFilePath", Kind::string}), since(2, {"InitRdPath", Kind::string}),
     since(2, {"KernelCmdLine", Kind::string})}};
const Shape boot_entry_shape{{since(1, {"DeviceType", Kind::string, nullptr, {"ScsiDrive", "VmbFs", "Network", "File"}}),
                              since(1, {"DevicePath", Kind::string}),
                              since(1, {"DiskNumber", Kind::uint}),
                              since(1, {"OptionalData", Kind::string}),
                              since(1, {"VmbFsRootPath", Kind::string})}};
const Shape uefi_shape{{{"EnableDebugger", Kind::boolean},
                        since(3, {"ApplySecureBootTemplate", Kind::string, nullptr, {"Skip", "Apply"}}),
                        {"SecureBootTemplateId", Kind::guid_string},
                        {"BootThis", Kind::object, &boot_entry_shape},
                        {"Console", Kind::string, nullptr, {"Default", "Disabled", "ComPort1", "ComPort2"}},
                        since(2, {"StopOnBootFailure", Kind::boolean})}};
const Shape chipset_shape{{{"Uefi", Kind::object, &uefi_shape},
                           since(2, {"LinuxKernelDirect", Kind::object, &kernel_direct_shape}),
                           since(1, {"UseUtc", Kind::boolean})}};
const Shape memory_shape{{since(1, {"SizeInMB", Kind::uint}),
                          since(1, {"AllowOvercommit", Kind::boolean}),
                          since(1, {"EnableDeferredCommit", Kind::boolean}),
                          since(2, {"EnableColdDiscardHint", Kind::boolean}),
                          {"EnableHotHint", Kind::boolean},
                          {"EnableColdHint", Kind::boolean}}};
const Shape processor_shape{{{"Count", Kind::uint}, since(1, {"Limit", Kind::uint}), since(1, {"Weight", Kind::uint})}};
const Shape topology_shape{{{"Memory", Kind::object, &memory_shape}, {"Processor", Kind::object, &processor_shape}}};
const Shape attachment_shape{{{"Type", Kind::string, nullptr, {"VirtualDisk", "Iso", "PassThru"}},
                              {"Path", Kind::string},
                              {"ReadOnly", Kind::boolean},
                              since(1, {"CachingMode", Kind::string, nullptr, {"Uncached", "Cached", "ReadOnlyCached"}}),
                              {"IgnoreFlushes", Kind::boolean}}};
const Shape scsi_shape{{{"Attachments", Kind::map_of, &attachment_shape}}};
const Shape com_port_shape{{since(1, {"NamedPipe", Kind::string}), since(1, {"OptimizeForDebugger", Kind::boolean})}};
const Shape service_shape{{{"BindSecurityDescriptor", Kind::string},
                           {"ConnectSecurityDescriptor", Kind::string},
                           {"AllowWildcardBinds", Kind::boolean},
                           {"Disabled", Kind::boolean}}};
const Shape hvsocket_config_shape{{{"DefaultBindSecurityDescriptor", Kind::string},
                                   {"DefaultConnectSecurityDescriptor", Kind::string},
                                   {"ServiceTable", Kind::map_of, &service_shape}}};
const Shape hvsocket_shape{{since(1, {"HvSocketConfig", Kind::object, &hvsocket_config_shape})}};
const Shape adapter_shape{
    {{"EndpointId", Kind::guid_string}, {"MacAddress", Kind::string}, since(4, {"InstanceId", Kind::guid_string})}};
const Shape plan9_share_shape{{{"Name", Kind::string},
                               {"AccessName", Kind::string},
                               {"Path", Kind::string},
                               {"Port", Kind::uint},
                               {"Flags", Kind::uint}}};
const Shape plan9_shape{{since(1, {"Shares", Kind::array_of_objects, &plan9_share_shape})}};
const Shape empty_shape{{}};
const Shape devices_shape{{{"Scsi", Kind::map_of, &scsi_shape},
                           since(1, {"ComPorts", Kind::map_of, &com_port_shape}),
                           {"NetworkAdapters", Kind::map_of, &adapter_shape},
                           since(1, {"HvSocket", Kind::object, &hvsocket_shape}),
                           {"Plan9", Kind::object, &plan9_shape},
                           {"Battery", Kind::object, &empty_shape}}};
const Shape vm_shape{{{"StopOnReset", Kind::boolean},
                      {"Chipset", Kind::object, &chipset_shape},
                      {"ComputeTopology", Kind::object, &topology_shape},
                      {"Devices", Kind::object, &devices_shape}}};
const Shape document_shape{{{"Owner", Kind::string},
                            {"SchemaVersion", Kind::object, &version_shape},
                            {"VirtualMachine", Kind::object, &vm_shape},
                            {"ShouldTerminateOnLastHandleClosed", Kind::boolean}}};

const json::object* sub(const json::object& o, const char* key)
{
    auto it = o.find(key);
    return it != o.end() && it->value().is_object() ? &it->value().get_object() : nullptr;
}

std::string str(const json::object& o, const char* key)
{
    auto it = o.find(key);
    return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}

uint64_t num(const json::object& o, const char* key)
{
    auto it = o.find(key);
    if (it == o.end()) return 0;
    if (it->value().is_uint64()) return it->value().get_uint64();
    if (it->value().is_int64()) return static_cast<uint64_t>(it->value().get_int64());
    return 0;
}

void require_file(const std::string& path, const std::string& what)
{
    std::error_code ec;
    if (path.empty() || !std::filesystem::is_regular_file(path, ec)) {
        reject("", fmt::format("{} {} was not found", what, path), file_not_found);
    }
}

void supported_version(const json::object& version, const HostLimits& limits)
{
    const auto major = static_cast<int32_t>(num(version, "Major"));
    const auto minor = static_cast<int32_t>(num(version, "Minor"));
    if (major != 2 || std::make_pair(major, minor) > std::make_pair(limits.max_schema_major, limits.max_schema_minor)) {
        reject("SchemaVersion", fmt::format("{}.{} is not supported by this host", major, minor));
    }
}

void semantic_checks(const json::object& doc, const HostLimits& limits)
{
    const json::object* version = sub(doc, "SchemaVersion");
    if (version == nullptr) reject("SchemaVersion", "is required");
    supported_version(*version, limits);
    const json::object* vm = sub(doc, "VirtualMachine");
    if (vm == nullptr) reject("VirtualMachine", "is required");
    const json::object* chipset = sub(*vm, "Chipset");
    if (chipset == nullptr) reject("VirtualMachine.Chipset", "is required");
    const json::object* kd = sub(*chipset, "LinuxKernelDirect");
    const json::object* uefi = sub(*chipset, "Uefi");
    if ((kd != nullptr) == (uefi != nullptr)) {
        reject("VirtualMachine.Chipset", "exactly one of LinuxKernelDirect and Uefi is required");
    }
    if (kd != nullptr && limits.architecture == "arm64") {
        reject("VirtualMachine.Chipset.LinuxKernelDirect", "is not supported on this ARM64 host; boot UEFI");
    }
    if (kd != nullptr) {
        require_file(str(*kd, "KernelFilePath"), "kernel");
        if (kd->contains("InitRdPath")) require_file(str(*kd, "InitRdPath"), "initrd");
    } else {
        const json::object* boot = sub(*uefi, "BootThis");
        if (boot == nullptr) reject("VirtualMachine.Chipset.Uefi.BootThis", "is required");
        if (str(*boot, "DeviceType") == "VmbFs") {
            const std::string root = str(*boot, "VmbFsRootPath");
            std::string file = str(*boot, "DevicePath");
            while (!file.empty() && (file.front() == '\\' || file.front() == '/')) file.erase(file.begin());
            require_file((std::filesystem::path(root) / file).string(), "UEFI boot file");
        }
    }
    const json::object* topology = sub(*vm, "ComputeTopology");
    if (topology == nullptr) reject("VirtualMachine.ComputeTopology", "is required");
    const json::object* memory = sub(*topology, "Memory");
    if (memory == nullptr || num(*memory, "SizeInMB") == 0)
        reject("VirtualMachine.ComputeTopology.Memory.SizeInMB", "is required");
    if (num(*memory, "SizeInMB") % 2 != 0)
        reject("VirtualMachine.ComputeTopology.Memory.SizeInMB", "must be a multiple of 2");
    if (const json::object* proc = sub(*topology, "Processor")) {
        const uint64_t count = num(*proc, "Count");
        if (count == 0 || count > static_cast<uint64_t>(limits.processors)) {
            reject("VirtualMachine.ComputeTopology.Processor.Count",
                   fmt::format("{} exceeds the host's {} logical processors", count, limits.processors));
        }
    }
    if (const json::object* devices = sub(*vm, "Devices")) {
        if (const json::object* scsi = sub(*devices, "Scsi")) {
            if (scsi->size() > 4) reject("VirtualMachine.Devices.Scsi", "at most 4 controllers");
            for (const auto& c : *scsi) {
                const json::object* attachments = sub(c.value().get_object(), "Attachments");
                if (attachments == nullptr) continue;
                for (const auto& a : *attachments) {
                    const std::string lun(a.key());
                    if (lun.empty() || lun.size() > 2 || !std::all_of(lun.begin(), lun.end(), ::isdigit) ||
                        std::stoi(lun) > 63) {
                        reject("VirtualMachine.Devices.Scsi." + std::string(c.key()),
                               "attachment key " + lun + " is not a LUN");
                    }
                    const json::object& att = a.value().get_object();
                    const std::string path = str(att, "Path");
                    require_file(path, "virtual disk");
                    if (str(att, "Type") == "VirtualDisk" || !att.contains("Type")) {
                        if (auto bad = check_fixed_vhd(path)) reject("", *bad, file_corrupt);
                    }
                }
            }
        }
        if (const json::object* ports = sub(*devices, "ComPorts")) {
            for (const auto& p : *ports) {
                if (p.key() != "0" && p.key() != "1")
                    reject("VirtualMachine.Devices.ComPorts", "port " + std::string(p.key()) + " is not 0 or 1");
            }
        }
        if (const json::object* hv = sub(*devices, "HvSocket")) {
            if (const json::object* cfg = sub(*hv, "HvSocketConfig")) {
                if (const json::object* table = sub(*cfg, "ServiceTable")) {
                    for (const auto& s : *table) {
                        if (!is_guid(std::string(s.key())))
                            reject("VirtualMachine.Devices.HvSocket.HvSocketConfig.ServiceTable",
                                   std::string(s.key()) + " is not a GUID");
                    }
                }
            }
        }
    }
}

uint32_t be32(const unsigned char* p)
{
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
}
uint64_t be64(const unsigned char* p)
{
    return (uint64_t(be32(p)) << 32) | be32(p + 4);
}

}  // namespace

std::optional<std::string> check_fixed_vhd(const std::string& path)
{
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) return fmt::format("virtual disk {} cannot be read", path);
    const auto size = static_cast<uint64_t>(in.tellg());
    if (size < 512) return fmt::format("virtual disk {} is too small for a VHD footer", path);
    std::array<unsigned char, 512> f{};
    in.seekg(static_cast<std::streamoff>(size - 512));
    in.read(reinterpret_cast<char*>(f.data()), 512);
    if (!in) return fmt::format("virtual disk {} cannot be read", path);
    if (std::string(reinterpret_cast<const char*>(f.data()), 8) != "conectix") {
        return fmt::format("virtual disk {} has no VHD footer (cookie is not \"conectix\")", path);
    }
    if (be32(&f[60]) != 2) return fmt::format("virtual disk {} is not a fixed VHD (disk type {})", path, be32(&f[60]));
    uint32_t sum = 0;
    for (size_t i = 0; i < 512; ++i) {
        if (i >= 64 && i < 68) continue;
        sum += f[i];
    }
    if (be32(&f[64]) != ~sum) return fmt::format("virtual disk {} has a bad VHD footer checksum", path);
    if (be64(&f[48]) != size - 512) {
        return fmt::format("virtual disk {}: VHD current size {} does not match the data size {}", path, be64(&f[48]),
                           size - 512);
    }
    return std::nullopt;
}

std::optional<Rejection> validate_document(std::string_view text, const HostLimits& limits, json::value& document)
{
    boost::json::error_code ec;
    json::value v = boost::json::parse(text, ec);
    if (ec) return Rejection{invalid_json, "the document is not JSON: " + ec.message()};
    try {
        // A SchemaVersion the host does not support is refused for that, before any field.
        if (v.is_object()) {
            if (const json::object* version = sub(v.get_object(), "SchemaVersion")) {
                check(*version, version_shape, "SchemaVersion", 99);
                supported_version(*version, limits);
            }
        }
        check(v, document_shape, "", limits.max_schema_minor);
        semantic_checks(v.get_object(), limits);
    } catch (const Invalid& bad) {
        return Rejection{bad.hresult, bad.message};
    }
    document = std::move(v);
    return std::nullopt;
}

std::vector<std::string> attached_disks(const json::value& document)
{
    std::vector<std::string> out;
    if (!document.is_object()) return out;
    const json::object* vm = sub(document.get_object(), "VirtualMachine");
    const json::object* devices = vm != nullptr ? sub(*vm, "Devices") : nullptr;
    const json::object* scsi = devices != nullptr ? sub(*devices, "Scsi") : nullptr;
    if (scsi == nullptr) return out;
    for (const auto& c : *scsi) {
        const json::object* attachments = c.value().is_object() ? sub(c.value().get_object(), "Attachments") : nullptr;
        if (attachments == nullptr) continue;
        for (const auto& a : *attachments) out.push_back(str(a.value().get_object(), "Path"));
    }
    return out;
}

std::vector<std::string> boot_files(const json::value& document)
{
    std::vector<std::string> out;
    if (!document.is_object()) return out;
    const json::object* vm = sub(document.get_object(), "VirtualMachine");
    const json::object* chipset = vm != nullptr ? sub(*vm, "Chipset") : nullptr;
    if (chipset == nullptr) return out;
    if (const json::object* kd = sub(*chipset, "LinuxKernelDirect")) {
        out.push_back(str(*kd, "KernelFilePath"));
        if (kd->contains("InitRdPath")) out.push_back(str(*kd, "InitRdPath"));
    } else if (const json::object* uefi = sub(*chipset, "Uefi")) {
        if (const json::object* boot = sub(*uefi, "BootThis")) {
            if (boot->contains("VmbFsRootPath")) out.push_back(str(*boot, "VmbFsRootPath"));
        }
    }
    return out;
}

std::string kernel_command_line(const json::value& document)
{
    if (!document.is_object()) return {};
    const json::object* vm = sub(document.get_object(), "VirtualMachine");
    const json::object* chipset = vm != nullptr ? sub(*vm, "Chipset") : nullptr;
    if (chipset == nullptr) return {};
    if (const json::object* kd = sub(*chipset, "LinuxKernelDirect")) return str(*kd, "KernelCmdLine");
    if (const json::object* uefi = sub(*chipset, "Uefi")) {
        if (const json::object* boot = sub(*uefi, "BootThis")) return str(*boot, "OptionalData");
    }
    return {};
}

std::string result_document(int32_t hresult, const std::string& message)
{
    json::object o;
    o["Error"] = hresult;
    o["ErrorMessage"] = message;
    o["ErrorEvents"] = json::array{json::object{{"Message", message}, {"Provider", "{hvsup-sim}"}}};
    return json::compact(o);
}

}  // namespace hvsup::sim
