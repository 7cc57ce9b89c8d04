// SPDX-License-Identifier: MIT
// VERSIONINFO of hvsup.dll and the tools (meson/version.rc.in), read back as Windows reads it
// (GetFileVersionInfoW / VerQueryValueW from version.dll): the fixed numbers and the strings
// carry the project version, and each binary names itself and its type.
#include "hvsup_build_config.h"

#include <windows.h>

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace {

// The build tree's root: this program is test/windows/windows-tests.exe inside it.
std::filesystem::path build_root()
{
    std::wstring buffer(32768, L'\0');
    const DWORD n = ::GetModuleFileNameW(nullptr, buffer.data(), static_cast<DWORD>(buffer.size()));
    buffer.resize(n);
    return std::filesystem::path(buffer).parent_path().parent_path().parent_path();
}

std::string utf8(const std::filesystem::path& path)
{
    const std::u8string u8 = path.u8string();
    return std::string(u8.begin(), u8.end());
}

struct VersionInfo {
    VS_FIXEDFILEINFO fixed{};
    std::wstring file_version, product_version, original_filename, product_name;
};

std::wstring string_value(std::vector<char>& block, const wchar_t* name)
{
    // The block and code page the resource declares ("040904B0": US English, UTF-16).
    std::wstring key = std::wstring(L"\\StringFileInfo\\040904B0\\") + name;
    wchar_t* value = nullptr;
    UINT length = 0;
    if (!::VerQueryValueW(block.data(), key.c_str(), reinterpret_cast<void**>(&value), &length) || value == nullptr) {
        return L"<missing>";
    }
    return std::wstring(value, length > 0 ? length - 1 : 0);
}

VersionInfo read_version_info(const std::filesystem::path& file)
{
    INFO(utf8(file));
    DWORD handle = 0;
    const DWORD size = ::GetFileVersionInfoSizeW(file.c_str(), &handle);
    REQUIRE(size > 0);  // 0: no VERSIONINFO resource (or no file)
    std::vector<char> block(size);
    REQUIRE(::GetFileVersionInfoW(file.c_str(), 0, size, block.data()));
    VS_FIXEDFILEINFO* fixed = nullptr;
    UINT length = 0;
    REQUIRE(::VerQueryValueW(block.data(), L"\\", reinterpret_cast<void**>(&fixed), &length));
    REQUIRE(length >= sizeof(VS_FIXEDFILEINFO));
    VersionInfo info;
    info.fixed = *fixed;
    info.file_version = string_value(block, L"FileVersion");
    info.product_version = string_value(block, L"ProductVersion");
    info.original_filename = string_value(block, L"OriginalFilename");
    info.product_name = string_value(block, L"ProductName");
    return info;
}

std::wstring widen(const std::string& s)
{
    return std::wstring(s.begin(), s.end());  // ASCII: the version and file names
}

}  // namespace

TEST_CASE("hvsup.dll and the tools carry VERSIONINFO with the project version", "[version]")
{
    unsigned major = 0, minor = 0, patch = 0;
    REQUIRE(std::sscanf(HVSUP_VERSION_STRING, "%u.%u.%u", &major, &minor, &patch) == 3);
    const std::filesystem::path root = build_root();
    const struct {
        std::filesystem::path path;
        std::string name;
        DWORD type;
    } binaries[] = {
        {root / "libhvsup" / "hvsup.dll", "hvsup.dll", VFT_DLL},
        {root / "tools" / "hvsup-cli.exe", "hvsup-cli.exe", VFT_APP},
        {root / "tools" / "hvsock-listener.exe", "hvsock-listener.exe", VFT_APP},
        {root / "tools" / "vhdbuild.exe", "vhdbuild.exe", VFT_APP},
    };
    for (const auto& b : binaries) {
        SECTION(b.name)
        {
            const VersionInfo info = read_version_info(b.path);
            CHECK(info.fixed.dwSignature == VS_FFI_SIGNATURE);
            CHECK(info.fixed.dwFileVersionMS == static_cast<DWORD>((major << 16) | minor));
            CHECK(info.fixed.dwFileVersionLS == static_cast<DWORD>(patch << 16));
            CHECK(info.fixed.dwProductVersionMS == info.fixed.dwFileVersionMS);
            CHECK(info.fixed.dwProductVersionLS == info.fixed.dwFileVersionLS);
            CHECK(info.fixed.dwFileType == b.type);
            CHECK(info.file_version == widen(HVSUP_VERSION_STRING));
            CHECK(info.product_version == widen(HVSUP_VERSION_STRING));
            CHECK(info.original_filename == widen(b.name));
            CHECK(info.product_name == L"hvsup");
        }
    }
}
