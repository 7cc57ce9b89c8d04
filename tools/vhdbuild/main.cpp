// SPDX-License-Identifier: MIT
// vhdbuild: builds a fixed-VHD (or raw) ext4 disk from a directory, a tar or an OCI layout,
// and inspects one. Thin: flags -> JSON request -> hvsup_image_create (include/hvsup/image.h).
#include "hvsup/image.h"
#include "common/arguments.hpp"
#include "guest_init_path.hpp"
#include "hvsup_build_config.h"

#include <boost/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#ifdef _WIN32
#include <io.h>
#define hvsup_isatty _isatty
#else
#include <unistd.h>
#define hvsup_isatty isatty
#endif

namespace {

const char* usage_text =
    "Usage: vhdbuild (--from-dir DIR | --from-tar FILE|- | --from-oci DIR | --empty SIZE) -o OUT [OPTIONS]\n"
    "  or:  vhdbuild inspect [--json] IMAGE\n"
    "  or:  vhdbuild verify IMAGE\n"
    "\n"
    "Builds an ext4 filesystem as a fixed VHD (raw disk + 512-byte footer) that Hyper-V\n"
    "attaches and a Linux guest mounts read-write. The output is written to an unnamed file\n"
    "and named only when complete, so a failure or a signal leaves nothing behind (and an\n"
    "existing OUT intact). OUT must be a regular file or not exist, and outside --from-dir.\n"
    "\n"
    "Sources:\n"
    "  --from-dir DIR       a directory tree (symlinks not followed; hard links, xattrs,\n"
    "                       devices, fifos and holes kept)\n"
    "  --from-tar FILE|-    a tar (ustar, pax, GNU), gzip-compressed or not; - reads stdin\n"
    "  --from-oci DIR       an OCI image layout; layers applied with their whiteouts\n"
    "  --empty SIZE         an empty volume of SIZE\n"
    "Options:\n"
    "  -o, --output OUT     the image to write (required)\n"
    "  --size SIZE          disk size (e.g. 512M, 2G); fails if the content does not fit\n"
    "  --free SIZE          free space on top of the content (default 64M); not with --size\n"
    "  --label TEXT         volume label (at most 16 bytes)\n"
    "  --uuid UUID          filesystem UUID (default random)\n"
    "  --timestamp SECONDS  time for superblock and created directories (default\n"
    "                       $SOURCE_DATE_EPOCH, else now); with --uuid the output is reproducible\n"
    "  --raw                write a raw image instead of a fixed VHD\n"
    "  --metadata-csum      enable metadata_csum (crc32c checksums; guest kernel needs crc32c)\n"
    "  --64bit              enable the 64bit feature (64-byte group descriptors)\n"
    "  --no-journal         no internal journal\n"
    "  --overlay            with --from-oci: keep whiteouts as overlayfs whiteouts\n"
    "  --platform OS/ARCH[/VARIANT]  with --from-oci: the manifest to build from an index\n"
    "                       with several (default linux/<this machine's architecture>)\n"
    "  --ref NAME           with --from-oci: the manifest with this ref name\n"
    "                       (org.opencontainers.image.ref.name)\n"
    "  --convert-backslash  with --from-tar/--from-oci: treat '\\' in names as '/'\n"
    "  --guest-init [PATH]  install PATH (an ELF executable) as /sbin/microagent-init,\n"
    "                       mode 0755, owner 0:0, replacing the source's file of that\n"
    "                       name; a usr-merge /sbin symlink is followed, any other symlink\n"
    "                       refused. Without PATH (the next argument starts with '-' or\n"
    "                       there is none): hvsup-guestinit beside vhdbuild, else in\n"
    "                       ../hvsup-guestinit/ from there, else\n"
    "                       " HVSUP_INSTALLED_GUEST_INIT "\n"
    "  --json               print the summary as JSON\n"
    "  -q, --quiet          no progress and no summary\n"
    "  -V, --version        print the version and exit\n"
    "  -h, --help           print this help and exit\n"
    "\n"
    "An option's value may also follow an '=' (--size=2G).\n"
    "Exit status: 0 success, 1 failure, 2 usage error.\n";

int usage_error(const std::string& message)
{
    std::fprintf(stderr, "vhdbuild: %s\nTry 'vhdbuild --help'.\n", message.c_str());
    return 2;
}

int fail(hvsup_status status, hvsup_error* error)
{
    std::fprintf(stderr, "vhdbuild: %s\n", error != nullptr ? hvsup_error_message(error) : "failed");
    (void)status;
    hvsup_error_free(error);
    return 1;
}

int32_t show_progress(uint64_t bytes, uint64_t entries, void*)
{
    std::fprintf(stderr, "\rvhdbuild: %llu entries, %.1f MiB written   ", static_cast<unsigned long long>(entries),
                 static_cast<double>(bytes) / (1 << 20));
    std::fflush(stderr);
    return 0;
}

std::string str(const boost::json::value& v)
{
    if (v.is_string()) return std::string(v.as_string());
    return boost::json::serialize(v);
}

void print_inspect_text(const boost::json::object& doc)
{
    std::printf("file: %s (%s bytes)\n", str(doc.at("file")).c_str(), str(doc.at("fileBytes")).c_str());
    const auto* footer = doc.if_contains("footer");
    if (footer != nullptr && footer->is_object()) {
        std::printf("VHD footer:\n");
        for (const auto& [k, v] : footer->as_object()) std::printf("  %-20s %s\n", std::string(k).c_str(), str(v).c_str());
    } else {
        std::printf("VHD footer: none (raw image)\n");
    }
    const auto* sb = doc.if_contains("superblock");
    if (sb != nullptr && sb->is_object()) {
        std::printf("ext4 superblock:\n");
        for (const auto& [k, v] : sb->as_object()) std::printf("  %-20s %s\n", std::string(k).c_str(), str(v).c_str());
    } else if (const auto* p = doc.if_contains("problem")) {
        std::printf("ext4 superblock: %s\n", str(*p).c_str());
    }
}

int inspect(int argc, char** argv, bool verify_only)
{
    bool json = false;
    std::string path;
    for (int i = 2; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--json") json = true;
        else if (!a.empty() && a[0] == '-') return usage_error("unknown option " + a);
        else if (path.empty()) path = a;
        else return usage_error("more than one image given");
    }
    if (path.empty()) return usage_error("no image given");
    char* out = nullptr;
    hvsup_error* error = nullptr;
    hvsup_status st = verify_only ? hvsup_image_check_footer(&out, path.c_str(), &error)
                                  : hvsup_image_describe(&out, path.c_str(), &error);
    if (st != HVSUP_OK) return fail(st, error);
    if (verify_only) {
        std::printf("%s: valid fixed VHD footer\n", path.c_str());
    } else if (json) {
        std::fputs(out, stdout);
    } else {
        print_inspect_text(boost::json::parse(out).as_object());
    }
    hvsup_string_free(out);
    return 0;
}

}  // namespace

int main(int argc, char** argv)
{
    // UTF-8 on Windows too, and the options that take a value also as --name=value
    // (common/arguments.hpp). --guest-init's value is optional: its = form is parsed below.
    hvsup::tools::Utf8Argv utf8_argv(argc, argv, {"--from-dir", "--from-tar", "--from-oci", "--empty", "--output", "--size",
                                                  "--free", "--label", "--uuid", "--platform", "--ref", "--timestamp"});
    argc = utf8_argv.argc();
    argv = utf8_argv.argv();
    if (argc >= 2 && std::strcmp(argv[1], "inspect") == 0) return inspect(argc, argv, false);
    if (argc >= 2 && std::strcmp(argv[1], "verify") == 0) return inspect(argc, argv, true);

    boost::json::object req;
    bool json = false, quiet = false, timestamp_given = false, default_guest_init = false;
    int sources = 0;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&](const char* name) -> const char* {
            if (i + 1 >= argc) return nullptr;
            (void)name;
            return argv[++i];
        };
        auto with_value = [&](const char* key) -> bool {
            const char* v = value(key);
            if (v == nullptr) return false;
            req[key] = v;
            return true;
        };
        if (a == "--help" || a == "-h") {
            std::fputs(usage_text, stdout);
            return 0;
        } else if (a == "--version" || a == "-V") {
            std::printf("vhdbuild %s\n", hvsup_version_string());
            return 0;
        } else if (a == "--from-dir" || a == "--from-tar" || a == "--from-oci") {
            const char* key = a == "--from-dir" ? "fromDir" : a == "--from-tar" ? "fromTar" : "fromOci";
            if (!with_value(key)) return usage_error(a + " needs a value");
            ++sources;
        } else if (a == "--empty") {
            if (!with_value("size")) return usage_error(a + " needs a size");
            req["empty"] = true;
            ++sources;
        } else if (a == "-o" || a == "--output") {
            if (!with_value("output")) return usage_error(a + " needs a value");
        } else if (a == "--size" || a == "--free" || a == "--label" || a == "--uuid" || a == "--platform" || a == "--ref") {
            if (!with_value(a.c_str() + 2)) return usage_error(a + " needs a value");
        } else if (a == "--timestamp") {
            const char* v = value("timestamp");
            if (v == nullptr) return usage_error(a + " needs a value");
            char* end = nullptr;
            long long t = std::strtoll(v, &end, 10);
            if (*v == '\0' || *end != '\0' || t < 0) return usage_error("--timestamp needs Unix seconds");
            req["timestamp"] = t;
            timestamp_given = true;
        } else if (a == "--raw") {
            req["raw"] = true;
        } else if (a == "--metadata-csum") {
            req["metadataCsum"] = true;
        } else if (a == "--64bit") {
            req["bit64"] = true;
        } else if (a == "--no-journal") {
            req["journal"] = false;
        } else if (a == "--overlay") {
            req["overlay"] = true;
        } else if (a == "--convert-backslash") {
            req["convertBackslash"] = true;
        } else if (a.rfind("--guest-init=", 0) == 0) {
            if (a.size() == 13) return usage_error("--guest-init= needs a path");
            req["guestInit"] = a.substr(13);
        } else if (a == "--guest-init") {
            // The PATH is optional: no positional argument is taken here, so a following
            // argument that is not an option can only be it.
            if (i + 1 < argc && argv[i + 1][0] != '-') {
                req["guestInit"] = argv[++i];
            } else {
                default_guest_init = true;
            }
        } else if (a == "--json") {
            json = true;
        } else if (a == "--quiet" || a == "-q") {
            quiet = true;
        } else {
            return usage_error("unknown argument " + a);
        }
    }
    if (sources != 1) return usage_error("give exactly one of --from-dir, --from-tar, --from-oci, --empty");
    if (!req.contains("output")) return usage_error("-o OUT is required");
    if (default_guest_init && !req.contains("guestInit")) {
        const auto lookup = hvsup::tools::find_default_guest_init(hvsup::tools::current_executable(),
                                                                  hvsup::tools::utf8_path(HVSUP_INSTALLED_GUEST_INIT));
        if (!lookup.found) {
            std::fprintf(stderr, "vhdbuild: %s\n", lookup.error.c_str());
            return 1;
        }
        const auto text = lookup.found->u8string();
        req["guestInit"] = std::string(text.begin(), text.end());
    }
    if (!timestamp_given) {
        if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch != nullptr && *epoch != '\0') {
            char* end = nullptr;
            long long t = std::strtoll(epoch, &end, 10);
            if (*end != '\0' || t < 0) return usage_error("SOURCE_DATE_EPOCH is not a Unix time");
            req["timestamp"] = t;
        }
    }

    hvsup_image_build_options opts = HVSUP_IMAGE_BUILD_OPTIONS_INIT;
    const bool tty = !quiet && hvsup_isatty(2);
    if (tty) opts.progress = show_progress;
    char* summary = nullptr;
    hvsup_error* error = nullptr;
    const std::string request = boost::json::serialize(req);
    hvsup_status st = hvsup_image_create(&summary, request.c_str(), &opts, &error);
    if (tty) std::fputs("\r\033[K", stderr);
    if (st != HVSUP_OK) return fail(st, error);
    if (json) {
        std::fputs(summary, stdout);
    } else if (!quiet) {
        auto doc = boost::json::parse(summary).as_object();
        std::printf("%s: %s, %s bytes (%s files, %s directories, %s symlinks, %s special), %s MiB free, %s inodes free, %.2f s\n",
                    str(doc["output"]).c_str(), str(doc["format"]).c_str(), str(doc["diskBytes"]).c_str(),
                    str(doc["files"]).c_str(), str(doc["directories"]).c_str(), str(doc["symlinks"]).c_str(),
                    str(doc["specials"]).c_str(), std::to_string(doc["freeBytes"].to_number<uint64_t>() >> 20).c_str(),
                    str(doc["freeInodes"]).c_str(), doc["seconds"].to_number<double>());
        if (const auto* init = doc.if_contains("guestInit")) {
            std::printf("%s: guest init installed as %s\n", str(doc["output"]).c_str(), str(*init).c_str());
        }
    }
    hvsup_string_free(summary);
    return 0;
}
