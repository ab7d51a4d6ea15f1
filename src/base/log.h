// Structured logging: one line per event, a message plus key=value fields,
// as logfmt text (default, readable by people and by log shippers), JSON, or
// entries of the systemd journal with each field a journal field.
// Loggers are thread-safe; each line is written with a single write.
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>

#include "base/clock.h"
#include "base/status.h"

namespace interdict {

enum class LogLevel { kDebug = 0, kInfo, kWarn, kError };
enum class LogFormat { kText, kJson, kJournal };

class JournalSocket;

Result<LogLevel> ParseLogLevel(std::string_view name);
std::string_view LogLevelName(LogLevel level);
Result<LogFormat> ParseLogFormat(std::string_view name);

class LogField {
 public:
  using Value = std::variant<std::string_view, std::int64_t, std::uint64_t, double, bool>;

  LogField(std::string_view key, std::string_view v) : key_(key), value_(v) {}
  LogField(std::string_view key, const char* v) : key_(key), value_(std::string_view(v)) {}
  LogField(std::string_view key, const std::string& v) : key_(key), value_(std::string_view(v)) {}
  LogField(std::string_view key, bool v) : key_(key), value_(v) {}
  LogField(std::string_view key, double v) : key_(key), value_(v) {}
  template <std::signed_integral T>
  LogField(std::string_view key, T v) : key_(key), value_(static_cast<std::int64_t>(v)) {}
  template <std::unsigned_integral T>
  requires(!std::same_as<T, bool>) LogField(std::string_view key, T v)
      : key_(key), value_(static_cast<std::uint64_t>(v)) {}

  std::string_view key() const { return key_; }
  const Value& value() const { return value_; }

 private:
  std::string_view key_;
  Value value_;
};

// Receives complete lines, newline included.
using LogSink = std::function<void(std::string_view line)>;

// A sink writing to standard error.
LogSink StderrSink();

class Logger {
 public:
  // `clock` must outlive the logger.
  Logger(LogSink sink, const Clock& clock, LogLevel level = LogLevel::kInfo,
         LogFormat format = LogFormat::kText);
  ~Logger();

  // With LogFormat::kJournal, entries go to the journal at `socket_path`; an
  // entry the journal does not take (no journal there, or it is overloaded)
  // goes to the sink as a JSON line instead, so that no line is lost. Without
  // a journal, kJournal writes JSON lines to the sink.
  void UseJournal(std::string socket_path);

  void Log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});
  void Debug(std::string_view m, std::initializer_list<LogField> f = {}) {
    Log(LogLevel::kDebug, m, f);
  }
  void Info(std::string_view m, std::initializer_list<LogField> f = {}) {
    Log(LogLevel::kInfo, m, f);
  }
  void Warn(std::string_view m, std::initializer_list<LogField> f = {}) {
    Log(LogLevel::kWarn, m, f);
  }
  void Error(std::string_view m, std::initializer_list<LogField> f = {}) {
    Log(LogLevel::kError, m, f);
  }

  bool Enabled(LogLevel level) const;
  void SetLevel(LogLevel level);
  void SetFormat(LogFormat format);

  // Formats one line without writing it (exposed for tests); with kJournal,
  // the journal entry (KEY=value fields, see base/systemd.h).
  std::string Format(LogLevel level, std::string_view message,
                     std::initializer_list<LogField> fields) const;

 private:
  std::string FormatAs(LogFormat format, LogLevel level, std::string_view message,
                       std::initializer_list<LogField> fields) const;

  LogSink sink_;
  const Clock& clock_;
  mutable std::mutex mu_;
  LogLevel level_;
  LogFormat format_;
  std::unique_ptr<JournalSocket> journal_;  // set once, before logging starts
};

}  // namespace interdict
