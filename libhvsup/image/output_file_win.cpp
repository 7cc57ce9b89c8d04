// SPDX-License-Identifier: MIT
// Windows implementation of image/output_file.hpp (CreateFileW, positioned WriteFile,
// MoveFileExW). The file is never marked sparse: Hyper-V refuses sparse VHD files.
#include "image/output_file.hpp"

#include "core/error.hpp"
#include "core/files.hpp"

#include <windows.h>
#include <io.h>

#include <cstring>
#include <random>
#include <vector>

#include <fmt/format.h>

namespace hvsup::image {
namespace {

Error win_error(const std::string& what)
{
    const DWORD err = GetLastError();
    Error e(err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND ? ErrorCode::not_found : ErrorCode::io,
            fmt::format("{}: Windows error {}", what, err));
    e.with_system_error(static_cast<int32_t>(err));
    return e;
}

// Refuses an existing destination that is not a regular file (a directory, a symlink or other
// reparse point): only an earlier image is replaced.
void check_destination(const std::filesystem::path& dest)
{
    const DWORD attrs = GetFileAttributesW(dest.c_str());
    if (attrs == INVALID_FILE_ATTRIBUTES) return;  // absent (or unreadable: creating it reports why)
    const char* what = (attrs & FILE_ATTRIBUTE_REPARSE_POINT) != 0 ? "a symlink or reparse point"
                       : (attrs & FILE_ATTRIBUTE_DIRECTORY) != 0   ? "a directory"
                                                                   : nullptr;
    if (what == nullptr) return;
    throw Error(ErrorCode::invalid_argument,
                fmt::format("output {}: exists and is {}; only a regular file is replaced", files::to_utf8(dest), what));
}

// Marks (or unmarks) the open file for deletion when its last handle closes.
bool set_delete_on_close(HANDLE h, bool on)
{
    FILE_DISPOSITION_INFO info{};
    info.DeleteFile = on ? TRUE : FALSE;
    return SetFileInformationByHandle(h, FileDispositionInfo, &info, sizeof info) != 0;
}

// The image is written to a temporary file beside the destination that is marked
// delete-on-close from the start: if the build fails or the process is killed, the system
// deletes it when the handle goes. commit() unmarks it, renames it over the destination
// through the same handle and closes it.
class WinOutput final : public OutputFile {
public:
    explicit WinOutput(std::filesystem::path destination) : dest_(std::move(destination))
    {
        check_destination(dest_);
        std::random_device rd;
        for (int attempt = 0; attempt < 16 && h_ == INVALID_HANDLE_VALUE; ++attempt) {
            temp_ = dest_;
            temp_ += fmt::format(".tmp-{:08x}", rd());
            h_ = CreateFileW(temp_.c_str(), GENERIC_READ | GENERIC_WRITE | DELETE, 0, nullptr, CREATE_NEW,
                             FILE_ATTRIBUTE_NORMAL, nullptr);
            if (h_ == INVALID_HANDLE_VALUE && GetLastError() != ERROR_FILE_EXISTS) {
                throw win_error("create " + files::to_utf8(temp_));
            }
        }
        if (h_ == INVALID_HANDLE_VALUE) throw win_error("create " + files::to_utf8(temp_));
        if (!set_delete_on_close(h_, true)) {
            // Without the mark a crash could leave the temporary; still removed on failure below.
            delete_marked_ = false;
        }
    }
    ~WinOutput() override
    {
        if (h_ != INVALID_HANDLE_VALUE) CloseHandle(h_);
        if (!committed_ && !delete_marked_) DeleteFileW(temp_.c_str());
    }

    void write_at(const void* data, size_t size, uint64_t offset) override
    {
        auto p = static_cast<const char*>(data);
        while (size > 0) {
            OVERLAPPED ov{};
            ov.Offset = static_cast<DWORD>(offset);
            ov.OffsetHigh = static_cast<DWORD>(offset >> 32);
            const DWORD want = static_cast<DWORD>(std::min<size_t>(size, 1u << 30));
            DWORD done = 0;
            if (!WriteFile(h_, p, want, &done, &ov)) throw win_error("write " + files::to_utf8(temp_));
            p += done;
            size -= done;
            offset += done;
        }
    }

    void set_size(uint64_t size) override
    {
        FILE_END_OF_FILE_INFO info{};
        info.EndOfFile.QuadPart = static_cast<LONGLONG>(size);
        if (!SetFileInformationByHandle(h_, FileEndOfFileInfo, &info, sizeof info)) {
            throw win_error("resize " + files::to_utf8(temp_));
        }
    }

    void commit() override
    {
        if (!FlushFileBuffers(h_)) throw win_error("flush " + files::to_utf8(temp_));
        check_destination(dest_);  // again: it may have changed during the build
        if (delete_marked_ && !set_delete_on_close(h_, false)) throw win_error("commit " + files::to_utf8(dest_));
        delete_marked_ = false;  // from here the destructor deletes the temporary by name
        rename_over_destination();
        committed_ = true;
        if (h_ == INVALID_HANDLE_VALUE) return;
        const bool closed = CloseHandle(h_) != 0;
        h_ = INVALID_HANDLE_VALUE;
        if (!closed) throw win_error("close " + files::to_utf8(dest_));
    }

private:
    // Renames the open file over the destination (FileRenameInfo, replacing it).
    void rename_over_destination()
    {
        const std::wstring target = std::filesystem::absolute(dest_).wstring();
        std::vector<uint8_t> buf(sizeof(FILE_RENAME_INFO) + (target.size() + 1) * sizeof(wchar_t));
        auto* info = reinterpret_cast<FILE_RENAME_INFO*>(buf.data());
        info->ReplaceIfExists = TRUE;
        info->RootDirectory = nullptr;
        info->FileNameLength = static_cast<DWORD>(target.size() * sizeof(wchar_t));
        std::memcpy(info->FileName, target.c_str(), (target.size() + 1) * sizeof(wchar_t));
        if (SetFileInformationByHandle(h_, FileRenameInfo, info, static_cast<DWORD>(buf.size()))) return;
        // Some file systems cannot rename an open file: close it, then move by name.
        CloseHandle(h_);
        h_ = INVALID_HANDLE_VALUE;
        if (!MoveFileExW(temp_.c_str(), dest_.c_str(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
            throw win_error("commit " + files::to_utf8(dest_));
        }
    }

    std::filesystem::path dest_, temp_;
    HANDLE h_ = INVALID_HANDLE_VALUE;
    bool delete_marked_ = true;
    bool committed_ = false;
};

class WinInput final : public InputFile {
public:
    explicit WinInput(const std::filesystem::path& path) : path_(path)
    {
        h_ = CreateFileW(path.c_str(), GENERIC_READ, FILE_SHARE_READ, nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
        if (h_ == INVALID_HANDLE_VALUE) throw win_error("open " + files::to_utf8(path));
        LARGE_INTEGER size{};
        if (!GetFileSizeEx(h_, &size)) throw win_error("stat " + files::to_utf8(path));
        size_ = static_cast<uint64_t>(size.QuadPart);
    }
    ~WinInput() override { CloseHandle(h_); }

    void read_at(void* data, size_t size, uint64_t offset) const override
    {
        auto p = static_cast<char*>(data);
        while (size > 0) {
            OVERLAPPED ov{};
            ov.Offset = static_cast<DWORD>(offset);
            ov.OffsetHigh = static_cast<DWORD>(offset >> 32);
            DWORD done = 0;
            if (!ReadFile(h_, p, static_cast<DWORD>(std::min<size_t>(size, 1u << 30)), &done, &ov)) {
                throw win_error("read " + files::to_utf8(path_));
            }
            if (done == 0) throw Error(ErrorCode::integrity, "read " + files::to_utf8(path_) + ": unexpected end of file");
            p += done;
            size -= done;
            offset += done;
        }
    }
    uint64_t size() const override { return size_; }

private:
    std::filesystem::path path_;
    HANDLE h_ = INVALID_HANDLE_VALUE;
    uint64_t size_ = 0;
};

}  // namespace

std::unique_ptr<OutputFile> OutputFile::create(const std::filesystem::path& destination)
{
    return std::make_unique<WinOutput>(destination);
}

std::unique_ptr<InputFile> InputFile::open(const std::filesystem::path& path) { return std::make_unique<WinInput>(path); }

int duplicate_stdin()
{
    const int fd = _dup(0);
    if (fd < 0) throw Error(ErrorCode::io, "read standard input: cannot duplicate the descriptor");
    return fd;
}

}  // namespace hvsup::image
