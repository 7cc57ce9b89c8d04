// SPDX-License-Identifier: MIT
// The command line as UTF-8, whatever the platform: argv itself on POSIX; on Windows the wide
// command line (GetCommandLineW + CommandLineToArgvW) converted to UTF-8, because argv there is
// in the ANSI code page and loses every character outside it (arguments_win.cpp).
#pragma once

#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace hvsup::tools {

// argv[0..argc) as UTF-8 strings.
std::vector<std::string> utf8_arguments(int argc, char** argv);

// GNU style `--name=value`: each argument `--name=value` whose `--name` is in `takes_value`
// becomes the two arguments `--name` and `value`, so a parser only ever sees the second form.
// Anything else stays as it is: a flag given a value (`--json=1`) is then an unknown argument,
// and nothing after a lone `--` is looked at.
void split_option_values(std::vector<std::string>& args, std::initializer_list<std::string_view> takes_value);

// UTF-8 copies of the arguments with a NULL-terminated char* array over them, for code written
// against (argc, argv): `Utf8Argv args(argc, argv); argc = args.argc(); argv = args.argv();`.
// The options in `takes_value` are also accepted as `--name=value` (split_option_values).
class Utf8Argv {
public:
    Utf8Argv(int argc, char** argv, std::initializer_list<std::string_view> takes_value = {})
        : strings_(utf8_arguments(argc, argv))
    {
        split_option_values(strings_, takes_value);
        for (auto& s : strings_) pointers_.push_back(s.data());
        pointers_.push_back(nullptr);
    }
    Utf8Argv(const Utf8Argv&) = delete;
    Utf8Argv& operator=(const Utf8Argv&) = delete;
    int argc() const { return static_cast<int>(strings_.size()); }
    char** argv() { return pointers_.data(); }

private:
    std::vector<std::string> strings_;
    std::vector<char*> pointers_;
};

// A path from UTF-8 text (a plain std::string converts through the ANSI code page on Windows).
inline std::filesystem::path utf8_path(const std::string& text)
{
    return std::filesystem::path(std::u8string(text.begin(), text.end()));
}

}  // namespace hvsup::tools
