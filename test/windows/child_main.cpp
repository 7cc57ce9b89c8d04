// SPDX-License-Identifier: MIT
// hvsup-test-child.exe: the helper process the process_win tests spawn.
//   hvsup-test-child.exe sleep ARG...   writes "console: yes|no" and each ARG (UTF-8, one per
//                                       line, as CommandLineToArgvW parsed them), then
//                                       "ready", then sleeps until it is terminated.
//   hvsup-test-child.exe exit CODE      exits at once with CODE.
//   hvsup-test-child.exe alive PID      prints "image: <executable of PID>" and exits 0 while
//                                       PID is a running process, 1 when it is not.
#include <windows.h>
#include <shellapi.h>

#include <string>

namespace {

void put(const std::wstring& line)
{
    std::wstring w = line + L"\n";
    const int n = ::WideCharToMultiByte(CP_UTF8, 0, w.data(), static_cast<int>(w.size()), nullptr, 0, nullptr, nullptr);
    std::string utf8(static_cast<size_t>(n), '\0');
    ::WideCharToMultiByte(CP_UTF8, 0, w.data(), static_cast<int>(w.size()), utf8.data(), n, nullptr, nullptr);
    DWORD written = 0;
    ::WriteFile(::GetStdHandle(STD_OUTPUT_HANDLE), utf8.data(), static_cast<DWORD>(utf8.size()), &written, nullptr);
}

}  // namespace

int main()
{
    int argc = 0;
    wchar_t** argv = ::CommandLineToArgvW(::GetCommandLineW(), &argc);
    if (argv == nullptr || argc < 2) return 2;
    const std::wstring mode = argv[1];
    if (mode == L"exit") return argc > 2 ? _wtoi(argv[2]) : 2;
    if (mode == L"alive") {
        if (argc < 3) return 2;
        HANDLE h = ::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, FALSE, static_cast<DWORD>(_wtoi(argv[2])));
        if (h == nullptr) return 1;
        wchar_t image[32768];
        DWORD size = 32768;
        if (::QueryFullProcessImageNameW(h, 0, image, &size)) put(L"image: " + std::wstring(image, size));
        const bool running = ::WaitForSingleObject(h, 0) == WAIT_TIMEOUT;
        ::CloseHandle(h);
        return running ? 0 : 1;
    }
    if (mode != L"sleep") return 2;
    put(std::wstring(L"console: ") + (::GetConsoleWindow() != nullptr ? L"yes" : L"no"));
    for (int i = 2; i < argc; ++i) put(L"arg: " + std::wstring(argv[i]));
    put(L"ready");
    ::Sleep(INFINITE);
    return 0;
}
