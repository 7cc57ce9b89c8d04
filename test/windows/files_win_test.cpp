// SPDX-License-Identifier: MIT
// core/files.hpp on Windows: atomic replacement while other handles have the file open,
// sharing-violation retries, LockFileEx locks, private directories, UTF-16 paths.
#include "core/error.hpp"
#include "core/files.hpp"
#include "core/win32.hpp"
#include "support.hpp"
#include "unix_side.hpp"

#include <catch2/catch.hpp>

#include <future>
#include <thread>

using namespace hvsup;
using hvsup::wintest::TempDir;

namespace {

HANDLE open_raw(const std::filesystem::path& file, DWORD access, DWORD share)
{
    HANDLE h = ::CreateFileW(file.c_str(), access, share, nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
    REQUIRE(h != INVALID_HANDLE_VALUE);
    return h;
}

std::string read_handle(HANDLE h)
{
    std::string out;
    char buf[4096];
    DWORD n = 0;
    ::SetFilePointer(h, 0, nullptr, FILE_BEGIN);
    while (::ReadFile(h, buf, sizeof buf, &n, nullptr) && n > 0) out.append(buf, n);
    return out;
}

size_t count_temporaries(const std::filesystem::path& dir)
{
    size_t n = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() == ".tmp") ++n;
    }
    return n;
}

}  // namespace

TEST_CASE("write_atomic replaces a file that another handle is reading", "[files][sharing]")
{
    TempDir tmp;
    const auto file = tmp.path() / "runtime.json";
    files::write_atomic(file, "old contents\n");

    // A reader in the style of most Windows programs: shares reading only, so the rename
    // over the file is refused until it lets go.
    HANDLE reader = open_raw(file, GENERIC_READ, FILE_SHARE_READ);
    auto writer = std::async(std::launch::async, [&] { files::write_atomic(file, "new contents\n"); });
    // The writer is retrying while the reader still sees the complete old file.
    REQUIRE(writer.wait_for(std::chrono::milliseconds(300)) == std::future_status::timeout);
    CHECK(read_handle(reader) == "old contents\n");
    ::CloseHandle(reader);

    REQUIRE_NOTHROW(writer.get());
    CHECK(wintest::slurp(file) == "new contents\n");
    CHECK(count_temporaries(tmp.path()) == 0);
}

TEST_CASE("write_atomic gives up on a handle that is never released and keeps the old file", "[files][sharing]")
{
    TempDir tmp;
    const auto file = tmp.path() / "event.json";
    files::write_atomic(file, "kept\n");
    HANDLE holder = open_raw(file, GENERIC_READ, FILE_SHARE_READ);
    try {
        files::write_atomic(file, "lost\n");
        FAIL("write_atomic succeeded while the target was held open");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::io);
        CHECK_THAT(e.what(), Catch::Contains("replace " + files::to_utf8(file)));
        CHECK(e.system_error() != 0);
    }
    ::CloseHandle(holder);
    CHECK(wintest::slurp(file) == "kept\n");
    CHECK(count_temporaries(tmp.path()) == 0);
}

TEST_CASE("read_if_exists waits out a writer that holds the file exclusively", "[files][sharing]")
{
    TempDir tmp;
    const auto file = tmp.path() / "events.json";
    files::write_atomic(file, "[]\n");
    HANDLE writer = open_raw(file, GENERIC_READ | GENERIC_WRITE, 0);
    auto reader = std::async(std::launch::async, [&] { return files::read_if_exists(file, 1024); });
    REQUIRE(reader.wait_for(std::chrono::milliseconds(300)) == std::future_status::timeout);
    ::CloseHandle(writer);
    const auto content = reader.get();
    REQUIRE(content.has_value());
    CHECK(*content == "[]\n");
}

TEST_CASE("read_if_exists reports a file that stays locked as an I/O error", "[files][sharing]")
{
    TempDir tmp;
    const auto file = tmp.path() / "locked.json";
    files::write_atomic(file, "{}\n");
    HANDLE writer = open_raw(file, GENERIC_READ | GENERIC_WRITE, 0);
    try {
        (void)files::read_if_exists(file, 1024);
        FAIL("read_if_exists read a file held without sharing");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::io);
        CHECK_THAT(e.what(), Catch::Contains("open " + files::to_utf8(file)));
    }
    ::CloseHandle(writer);
}

TEST_CASE("readers never see a torn or missing file while it is replaced", "[files][sharing]")
{
    TempDir tmp;
    const auto file = tmp.path() / "runtime.json";
    const std::string a(100000, 'a');
    const std::string b(70000, 'b');
    files::write_atomic(file, a);
    std::atomic<bool> stop{false};
    std::atomic<int> reads{0};
    std::string bad;
    std::thread reader([&] {
        while (!stop) {
            try {
                auto content = files::read_if_exists(file, 1u << 20);
                if (!content) bad = "file missing during replacement";
                else if (*content != a && *content != b) bad = "torn read of " + std::to_string(content->size()) + " bytes";
            } catch (const std::exception& e) {
                bad = e.what();
            }
            ++reads;
            if (!bad.empty()) return;
            // A reader that polls, not one that holds the file open back to back: a reader
            // that never lets go starves any Windows writer, retries or not.
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    });
    std::string write_error;
    try {
        for (int i = 0; i < 200 && bad.empty(); ++i) files::write_atomic(file, (i % 2) ? a : b);
    } catch (const std::exception& e) {
        write_error = e.what();
    }
    stop = true;
    reader.join();
    CHECK(write_error.empty());
    CHECK(bad.empty());
    CHECK(reads > 0);
    CHECK(count_temporaries(tmp.path()) == 0);
}

TEST_CASE("read_if_exists: missing file or directory is nullopt, a directory is an error, oversize is too_large", "[files]")
{
    TempDir tmp;
    CHECK_FALSE(files::read_if_exists(tmp.path() / "missing.json", 10).has_value());
    CHECK_FALSE(files::read_if_exists(tmp.path() / "no-dir" / "missing.json", 10).has_value());
    try {
        (void)files::read_if_exists(tmp.path(), 10);
        FAIL("read a directory");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::io);
        CHECK(e.system_error() == ERROR_DIRECTORY);
    }
    files::write_atomic(tmp.path() / "big", std::string(11, 'x'));
    try {
        (void)files::read_if_exists(tmp.path() / "big", 10);
        FAIL("oversize file was read");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::too_large);
    }
}

TEST_CASE("FileLock excludes a second holder until the first is released", "[files][lock]")
{
    TempDir tmp;
    const auto lock_file = tmp.path() / "events.json.lock";
    std::atomic<bool> second_holds{false};
    std::thread second;
    {
        files::FileLock first(lock_file);
        second = std::thread([&] {
            files::FileLock lock(lock_file);
            second_holds = true;
        });
        // While `first` lives the second LockFileEx blocks.
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        CHECK_FALSE(second_holds);
    }
    second.join();
    CHECK(second_holds);
}

TEST_CASE("FileLock is exclusive against another handle of the same file", "[files][lock]")
{
    TempDir tmp;
    const auto lock_file = tmp.path() / "x.lock";
    files::FileLock lock(lock_file);
    HANDLE other = ::CreateFileW(lock_file.c_str(), GENERIC_READ | GENERIC_WRITE,
                                 FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING, 0, nullptr);
    REQUIRE(other != INVALID_HANDLE_VALUE);
    OVERLAPPED at{};
    CHECK_FALSE(::LockFileEx(other, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, MAXDWORD, MAXDWORD, &at));
    ::CloseHandle(other);
}

TEST_CASE("ensure_private_dir creates nested directories and refuses a file in the way", "[files][dirs]")
{
    TempDir tmp;
    const auto nested = tmp.path() / "state" / "rt-1" / "sub";
    files::ensure_private_dir(nested);
    CHECK(std::filesystem::is_directory(nested));
    REQUIRE_NOTHROW(files::ensure_private_dir(nested));  // existing is fine

    files::write_atomic(tmp.path() / "plain", "x");
    try {
        files::ensure_private_dir(tmp.path() / "plain" / "below");
        FAIL("created a directory below a file");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::io);
    }
    try {
        files::ensure_private_dir(tmp.path() / "plain");
        FAIL("accepted a file as a directory");
    } catch (const Error& e) {
        CHECK_THAT(e.what(), Catch::Contains("not a directory"));
    }
}

TEST_CASE("files and directories are created with a protected owner-only DACL", "[files][dirs]")
{
    // The descriptor every CreateDirectoryW/CreateFileW of core/files passes. (What the file
    // system stores is checked on Windows only: Wine synthesises DACLs from Unix modes.)
    SECURITY_ATTRIBUTES* sa = win32::PrivateSecurity::attributes();
    REQUIRE(sa != nullptr);
    CHECK_FALSE(sa->bInheritHandle);
    CHECK(win32::PrivateSecurity::attributes(true)->bInheritHandle);
    PSECURITY_DESCRIPTOR sd = sa->lpSecurityDescriptor;
    REQUIRE(sd != nullptr);
    SECURITY_DESCRIPTOR_CONTROL control = 0;
    DWORD revision = 0;
    REQUIRE(::GetSecurityDescriptorControl(sd, &control, &revision));
    CHECK((control & SE_DACL_PROTECTED) != 0);
    BOOL present = FALSE, defaulted = FALSE;
    PACL dacl = nullptr;
    REQUIRE(::GetSecurityDescriptorDacl(sd, &present, &dacl, &defaulted));
    REQUIRE(present);
    REQUIRE(dacl != nullptr);
    REQUIRE(dacl->AceCount == 3);

    HANDLE token = nullptr;
    REQUIRE(::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &token));
    unsigned char user_buffer[sizeof(TOKEN_USER) + SECURITY_MAX_SID_SIZE];
    DWORD size = 0;
    REQUIRE(::GetTokenInformation(token, TokenUser, user_buffer, sizeof user_buffer, &size));
    ::CloseHandle(token);
    PSID user = reinterpret_cast<TOKEN_USER*>(user_buffer)->User.Sid;

    unsigned char system_sid[SECURITY_MAX_SID_SIZE], admins_sid[SECURITY_MAX_SID_SIZE];
    DWORD system_size = sizeof system_sid, admins_size = sizeof admins_sid;
    REQUIRE(::CreateWellKnownSid(WinLocalSystemSid, nullptr, system_sid, &system_size));
    REQUIRE(::CreateWellKnownSid(WinBuiltinAdministratorsSid, nullptr, admins_sid, &admins_size));
    PSID expected[] = {user, system_sid, admins_sid};
    for (DWORD i = 0; i < dacl->AceCount; ++i) {
        void* ace = nullptr;
        REQUIRE(::GetAce(dacl, i, &ace));
        auto* allowed = static_cast<ACCESS_ALLOWED_ACE*>(ace);
        CHECK(allowed->Header.AceType == ACCESS_ALLOWED_ACE_TYPE);
        CHECK((allowed->Header.AceFlags & (OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE)) ==
              (OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE));
        CHECK(allowed->Mask == FILE_ALL_ACCESS);
        CHECK(::EqualSid(reinterpret_cast<PSID>(&allowed->SidStart), expected[i]));
    }
}

TEST_CASE("touch_private_file creates but never truncates", "[files]")
{
    TempDir tmp;
    const auto log = tmp.path() / "serial.log";
    files::touch_private_file(log);
    CHECK(std::filesystem::file_size(log) == 0);
    files::write_atomic(log, "boot text\n");
    files::touch_private_file(log);
    CHECK(wintest::slurp(log) == "boot text\n");
}

TEST_CASE("UTF-8 paths round-trip through the UTF-16 file APIs", "[files][utf8]")
{
    TempDir tmp;
    const std::string name = "\xc3\xa9tat-\xe6\x97\xa5\xe6\x9c\xac";  // "état-日本"
    const auto dir = tmp.path() / files::from_utf8(name);
    files::ensure_private_dir(dir);
    files::write_atomic(dir / "runtime.json", "{}\n");
    // The directory exists under its UTF-16 name, not a mangled narrow one.
    const std::wstring wide = tmp.path().wstring() + L"\\\u00e9tat-\u65e5\u672c";
    CHECK(::GetFileAttributesW(wide.c_str()) != INVALID_FILE_ATTRIBUTES);
    CHECK(files::to_utf8(dir.filename()) == name);
    auto content = files::read_if_exists(dir / "runtime.json", 100);
    REQUIRE(content);
    CHECK(*content == "{}\n");
}

namespace {

// A real directory symbolic link (unix_side.hpp: under Wine 8 a Unix link made by /bin/ln),
// checked to be reported as a reparse point; false where no link can be made.
bool make_dir_link(const std::filesystem::path& link, const std::filesystem::path& target)
{
    if (!wintest::make_symlink(link, target, /*directory=*/true)) return false;
    const DWORD attributes = ::GetFileAttributesW(link.c_str());
    return attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0;
}

}  // namespace

namespace {

// remove_tree(`tree`) where `link` (inside it, or `tree` itself) names something in `outside`:
// what the link names is never touched. Windows deletes the link itself; Wine can only open
// the link as its target, so remove_tree refuses it by name.
void remove_tree_keeps_target(const std::filesystem::path& tree, const std::filesystem::path& link,
                              const std::filesystem::path& outside)
{
    if (wintest::is_wine()) {
        try {
            files::remove_tree(tree);
            FAIL("Wine removed a link it can only open as its target");
        } catch (const Error& e) {
            CHECK(e.code() == ErrorCode::integrity);
            CHECK_THAT(e.what(), Catch::Contains("remove " + files::to_utf8(link) + ": it is a link"));
        }
        wintest::start_unix_tool("rm", {*wintest::unix_path(link)});
        REQUIRE(wintest::wait_until([&] { return ::GetFileAttributesW(link.c_str()) == INVALID_FILE_ATTRIBUTES; }));
        files::remove_tree(tree);
    } else {
        files::remove_tree(tree);
    }
    CHECK(::GetFileAttributesW(tree.c_str()) == INVALID_FILE_ATTRIBUTES);
    CHECK(wintest::slurp(outside / "precious") == "keep");
}

}  // namespace

TEST_CASE("state files: a directory is refused as a foreign type, a regular file is read", "[files][trust]")
{
    TempDir tmp;
    std::filesystem::create_directory(tmp.path() / "result.json");
    try {
        (void)files::read_state_file(tmp.path() / "result.json", 10);
        FAIL("read a directory as a state file");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::integrity);
        CHECK_THAT(e.what(), Catch::Contains("is a directory, not a regular file"));
    }
    files::write_atomic(tmp.path() / "runtime.json", "{}");
    CHECK(files::read_state_file(tmp.path() / "runtime.json", 10) == std::optional<std::string>("{}"));
    CHECK_FALSE(files::read_state_file(tmp.path() / "missing.json", 10).has_value());
    CHECK(files::is_regular_file_no_follow(tmp.path() / "runtime.json"));
    CHECK_FALSE(files::is_regular_file_no_follow(tmp.path() / "result.json"));
    CHECK(files::remove_if_not_regular(tmp.path() / "result.json"));
    CHECK_FALSE(std::filesystem::exists(tmp.path() / "result.json"));
}

// Under Wine 8 the links are Unix symbolic links made by /bin/ln (CreateSymbolicLinkW is a stub
// there). Wine reports a directory link as a reparse point by name but opens it as its target
// even with FILE_FLAG_OPEN_REPARSE_POINT, so it cannot delete one as itself: remove_tree then
// refuses (nothing outside is touched); Windows deletes the link itself.
TEST_CASE("a runtime directory that is a reparse point is refused; remove_tree removes links as links",
          "[files][trust]")
{
    TempDir tmp;
    const auto outside = tmp.path() / "outside";
    std::filesystem::create_directory(outside);
    files::write_atomic(outside / "precious", "keep");
    const auto runtime = tmp.path() / "agent-1";
    files::ensure_private_dir(runtime);
    CHECK_NOTHROW(files::require_trusted_dir(runtime, files::DirTrust::runtime_dir));
    CHECK_NOTHROW(files::require_trusted_dir(tmp.path() / "missing", files::DirTrust::runtime_dir));
    files::write_atomic(tmp.path() / "a-file", "x");
    CHECK_THROWS_AS(files::require_trusted_dir(tmp.path() / "a-file", files::DirTrust::runtime_dir), Error);

    if (!make_dir_link(runtime / "link", outside)) {
        REQUIRE_FALSE(wintest::is_wine());  // under Wine /bin/ln always makes one
        WARN("directory symbolic links are not available here (no privilege, no developer mode); not exercised");
        return;
    }
    remove_tree_keeps_target(runtime, runtime / "link", outside);

    const auto link = tmp.path() / "agent-2";
    REQUIRE(make_dir_link(link, outside));
    try {
        files::require_trusted_dir(link, files::DirTrust::runtime_dir);
        FAIL("a reparse point was trusted as a runtime directory");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::integrity);
        CHECK_THAT(e.what(), Catch::Contains("is a reparse point (symbolic link or junction)"));
    }
    remove_tree_keeps_target(link, link, outside);
}

TEST_CASE("remove_tree never deletes what a link to a file names; a state file that is a link is refused",
          "[files][trust]")
{
    TempDir tmp;
    const auto outside = tmp.path() / "outside";
    std::filesystem::create_directory(outside);
    files::write_atomic(outside / "precious", "keep");
    const auto runtime = tmp.path() / "agent-1";
    files::ensure_private_dir(runtime);
    files::write_atomic(runtime / "runtime.json", "{}");
    if (!wintest::make_symlink(runtime / "result.json", outside / "precious", /*directory=*/false)) {
        REQUIRE_FALSE(wintest::is_wine());  // under Wine /bin/ln always makes one
        WARN("symbolic links are not available here (no privilege, no developer mode); not exercised");
        return;
    }
    try {
        (void)files::read_state_file(runtime / "result.json", 100);
        FAIL("read a state file through a link");
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::integrity);
        CHECK_THAT(e.what(), Catch::Contains("not a regular file"));
    }
    remove_tree_keeps_target(runtime, runtime / "result.json", outside);
}
