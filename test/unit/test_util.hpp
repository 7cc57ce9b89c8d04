// SPDX-License-Identifier: MIT
// Small helpers shared by the unit tests.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#ifdef __linux__
#include <linux/magic.h>
#include <sys/vfs.h>
#endif

namespace hvsup::test {

class TempDir {
public:
    // A directory in the temporary directory (on disk, usually).
    TempDir() : TempDir(std::filesystem::temp_directory_path()) {}

    // A directory in memory (/dev/shm when it is a tmpfs, else the temporary directory), where
    // fsync costs nothing: for tests of what a thousand durable writes leave behind (ordering,
    // caps, interleaving), whose time on a disk would be the disk's flushes, not the code's.
    // Durability itself is tested on disk (test/integration/test_crash_consistency.py).
    static std::filesystem::path memory_parent()
    {
#ifdef __linux__
        struct statfs fs {};
        if (::statfs("/dev/shm", &fs) == 0 && fs.f_type == TMPFS_MAGIC) return "/dev/shm";
#endif
        return std::filesystem::temp_directory_path();
    }

    explicit TempDir(const std::filesystem::path& parent)
    {
        std::string tmpl = (parent / "hvsup-test-XXXXXX").string();
        char* made = ::mkdtemp(tmpl.data());
        if (made == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = made;
    }
    ~TempDir()
    {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

inline std::string slurp(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

inline std::vector<std::string> list_dir(const std::filesystem::path& dir)
{
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace hvsup::test
