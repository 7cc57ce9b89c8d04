// SPDX-License-Identifier: MIT
// The schema version that introduced each field the document builder can emit (Microsoft's
// HCS "JSON Schema Reference", NewInVersion column; docs/hcs.md, "The document"). A host parses
// the document with the schema of its own highest version, so a field newer than that is an
// unknown field to it and the whole document is refused (Server 2019 / 1809 reports 2.1 and
// refuses Uefi.ApplySecureBootTemplate, a 2.3 field).
#pragma once

#include "core/json.hpp"
#include "hcs/schema/version.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hvsup::hcs::schema {

// One row of the table. `path` is dotted from the document root; a map level (SCSI
// controllers, LUNs, COM ports, service GUIDs, NIC names) is written `*`.
struct FieldVersion {
    const char* path;
    Version since;
};

// Every field the builder can emit, in document order.
const std::vector<FieldVersion>& field_versions();

// The version that introduced `path` (map keys already replaced by `*`); nullopt for a path
// the table does not know.
std::optional<Version> field_since(std::string_view path);

// A field of `document` that `host` does not know, with the version it needs.
struct FieldTooNew {
    std::string path;             // concrete, e.g. "VirtualMachine.Devices.ComPorts.0.NamedPipe"
    std::optional<Version> since; // nullopt: not in the table at all
};

// The fields of a serialised document newer than `host` (or unknown to the table), in
// document order; empty when the host knows every field.
std::vector<FieldTooNew> fields_newer_than(const json::value& document, Version host);

}  // namespace hvsup::hcs::schema
