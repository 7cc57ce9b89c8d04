// SPDX-License-Identifier: MIT
// events.json: the durable lifecycle timeline of one runtime (docs/protocol.md, "State files").
// Written as a JSON array of the newest 1024 events; legacy JSON Lines files are read and
// migrated to the array form on the next append. A malformed file is an integrity error and
// is never overwritten.
#pragma once

#include "protocol/types.hpp"

#include <filesystem>
#include <string_view>
#include <vector>

namespace hvsup::protocol {

inline constexpr size_t max_recorded_events = 1024;

// Parses events.json content: a JSON array, or JSON Lines (one object per line).
// Throws ErrorCode::integrity naming `file` when it is neither.
std::vector<Event> decode_event_history(std::string_view content, const std::filesystem::path& file);

// Reads events.json; a missing file is an empty history.
std::vector<Event> read_event_history(const std::filesystem::path& file);

// Appends `event` and rewrites the file atomically, keeping the newest `cap` events.
// The caller holds the runtime's lock (RuntimeDir does).
void append_event(const std::filesystem::path& file, const Event& event, size_t cap = max_recorded_events);

}  // namespace hvsup::protocol
