#include "base/log.h"

#include <unistd.h>

#include <optional>

#include <fmt/core.h>

#include "base/json_escape.h"
#include "base/systemd.h"
#include "base/time_format.h"

namespace interdict {
namespace {

bool NeedsQuoting(std::string_view s) {
  if (s.empty()) return true;
  for (char c : s) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) >= 0x7f)
      return true;
  }
  return false;
}

void AppendString(std::string& out, std::string_view s, bool quote_always) {
  if (quote_always || NeedsQuoting(s)) {
    out += '"';
    AppendJsonEscaped(out, s);
    out += '"';
  } else {
    out += s;
  }
}

// A value as text, numbers and booleans as JSON writes them. Strings: raw
// without `quote_always` (the journal frames them itself); otherwise quoted
// and escaped always (JSON) or when needed (logfmt).
void AppendValue(std::string& out, const LogField::Value& v, std::optional<bool> quote_always) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          if (quote_always) {
            AppendString(out, x, *quote_always);
          } else {
            out += x;
          }
        } else if constexpr (std::is_same_v<T, bool>) {
          out += x ? "true" : "false";
        } else {
          out += fmt::format("{}", x);
        }
      },
      v);
}

}  // namespace

Result<LogLevel> ParseLogLevel(std::string_view name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warn") return LogLevel::kWarn;
  if (name == "error") return LogLevel::kError;
  return Status::InvalidArgument(
      fmt::format("unknown log level '{}' (expected debug, info, warn or error)", name));
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

Result<LogFormat> ParseLogFormat(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  if (name == "journal") return LogFormat::kJournal;
  return Status::InvalidArgument(
      fmt::format("unknown log format '{}' (expected text, json or journal)", name));
}

LogSink StderrSink() {
  return [](std::string_view line) {
    // One write per line keeps lines whole when several threads log at once.
    const char* p = line.data();
    std::size_t left = line.size();
    while (left > 0) {
      const ssize_t n = ::write(STDERR_FILENO, p, left);
      if (n <= 0) return;
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  };
}

Logger::Logger(LogSink sink, const Clock& clock, LogLevel level, LogFormat format)
    : sink_(std::move(sink)), clock_(clock), level_(level), format_(format) {}

Logger::~Logger() = default;

void Logger::UseJournal(std::string socket_path) {
  journal_ = std::make_unique<JournalSocket>(std::move(socket_path));
}

bool Logger::Enabled(LogLevel level) const {
  std::lock_guard lock(mu_);
  return level >= level_;
}

void Logger::SetLevel(LogLevel level) {
  std::lock_guard lock(mu_);
  level_ = level;
}

void Logger::SetFormat(LogFormat format) {
  std::lock_guard lock(mu_);
  format_ = format;
}

std::string Logger::Format(LogLevel level, std::string_view message,
                           std::initializer_list<LogField> fields) const {
  LogFormat format;
  {
    std::lock_guard lock(mu_);
    format = format_;
  }
  return FormatAs(format, level, message, fields);
}

std::string Logger::FormatAs(LogFormat format, LogLevel level, std::string_view message,
                             std::initializer_list<LogField> fields) const {
  if (format == LogFormat::kJournal) {
    // syslog priorities: err 3, warning 4, info 6, debug 7. The journal stamps
    // the time itself.
    std::string entry;
    AppendJournalField(entry, "MESSAGE", message);
    AppendJournalField(entry, "PRIORITY",
                       level == LogLevel::kError  ? "3"
                       : level == LogLevel::kWarn ? "4"
                       : level == LogLevel::kInfo ? "6"
                                                  : "7");
    AppendJournalField(entry, "SYSLOG_IDENTIFIER", "interdict");
    std::string value;
    for (const LogField& f : fields) {
      value.clear();
      AppendValue(value, f.value(), std::nullopt);  // raw: the protocol frames it
      AppendJournalField(entry, JournalFieldName(f.key()), value);
    }
    return entry;
  }
  const std::string ts = FormatRfc3339(clock_.NowMillis());
  std::string out;
  out.reserve(96 + message.size());
  if (format == LogFormat::kJson) {
    out += "{\"ts\":\"" + ts + "\",\"level\":\"";
    out += LogLevelName(level);
    out += "\",\"msg\":";
    AppendString(out, message, true);
    for (const LogField& f : fields) {
      out += ",\"";
      AppendJsonEscaped(out, f.key());
      out += "\":";
      AppendValue(out, f.value(), /*quote_always=*/true);
    }
    out += "}\n";
  } else {
    out += "ts=" + ts + " level=";
    out += LogLevelName(level);
    out += " msg=";
    AppendString(out, message, true);
    for (const LogField& f : fields) {
      out += ' ';
      out += f.key();
      out += '=';
      AppendValue(out, f.value(), /*quote_always=*/false);
    }
    out += '\n';
  }
  return out;
}

void Logger::Log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  LogFormat format;
  {
    std::lock_guard lock(mu_);
    if (level < level_) return;
    format = format_;
  }
  if (format == LogFormat::kJournal) {
    if (journal_ && journal_->Send(FormatAs(format, level, message, fields))) return;
    format = LogFormat::kJson;
  }
  sink_(FormatAs(format, level, message, fields));
}

}  // namespace interdict
