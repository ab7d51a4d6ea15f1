#include "base/log.h"

#include <unistd.h>

#include <fmt/core.h>

#include "base/json_escape.h"
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

void AppendValue(std::string& out, const LogField::Value& v, bool json) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          AppendString(out, x, json);
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
  return Status::InvalidArgument(
      fmt::format("unknown log format '{}' (expected text or json)", name));
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
      AppendValue(out, f.value(), true);
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
      AppendValue(out, f.value(), false);
    }
    out += '\n';
  }
  return out;
}

void Logger::Log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  if (!Enabled(level)) return;
  const std::string line = Format(level, message, fields);
  sink_(line);
}

}  // namespace interdict
