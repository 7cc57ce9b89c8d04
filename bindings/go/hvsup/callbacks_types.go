// SPDX-License-Identifier: MIT
package hvsup

// LogLevel mirrors hvsup_log_level.
type LogLevel int32

const (
	LogDebug   LogLevel = 0
	LogInfo    LogLevel = 1
	LogWarning LogLevel = 2
	LogError   LogLevel = 3
)

func (l LogLevel) String() string {
	switch l {
	case LogDebug:
		return "debug"
	case LogInfo:
		return "info"
	case LogWarning:
		return "warning"
	case LogError:
		return "error"
	}
	return "unknown"
}

// LogFunc receives library diagnostics. It runs on the thread (goroutine) that made the call
// and must not call back into the context.
type LogFunc func(level LogLevel, message string)

// ImageProgress receives an image build's progress (bytes of file data written, source
// entries seen) on the building goroutine; return false to cancel the build.
type ImageProgress func(bytesWritten, entries uint64) bool
