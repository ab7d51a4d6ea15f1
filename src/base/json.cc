#include "base/json.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <string>
#include <unordered_set>
#include <vector>

#include <fmt/core.h>
#include <rapidjson/document.h>
#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include "base/utf8.h"

namespace interdict::json {
namespace {

std::array<std::atomic<std::uint64_t>, kRefusalKinds> g_refused{};

Status Refuse(Refusal why, std::string message) {
  g_refused[static_cast<std::size_t>(why)].fetch_add(1, std::memory_order_relaxed);
  return Status::InvalidArgument(std::move(message));
}

// A member name as an error message may quote it: at most 40 bytes, cut at a
// character boundary (the response writer replaces anything invalid).
std::string Quote(std::string_view name) {
  if (name.size() <= 40) return std::string(name);
  std::size_t n = 40;
  while (n > 0 && (static_cast<unsigned char>(name[n]) & 0xC0) == 0x80) --n;
  return std::string(name.substr(0, n)) + "…";
}

// The member names of one open object. Real objects are small and scanned
// linearly; one past 16 members moves to a hash set, so a hostile object with
// a million members costs O(n), not O(n²).
class MemberNames {
 public:
  // False when `name` was already seen in this object.
  bool Insert(std::string_view name) {
    if (set_.empty()) {
      if (std::find(list_.begin(), list_.end(), name) != list_.end()) return false;
      if (list_.size() < kLinear) {
        list_.emplace_back(name);
        return true;
      }
      for (std::string& n : list_) set_.insert(std::move(n));
      list_.clear();
    }
    return set_.emplace(name).second;
  }
  void Clear() {
    list_.clear();
    // Keep a small table for the next document on this thread, not a huge one.
    if (set_.bucket_count() > 1024) {
      std::unordered_set<std::string>().swap(set_);
    } else {
      set_.clear();
    }
  }

 private:
  static constexpr std::size_t kLinear = 16;
  std::vector<std::string> list_;
  std::unordered_set<std::string> set_;
};

using Stream = rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream>;

// A SAX handler between the reader and the document: it forwards every event
// to the document's own handler after checking depth, that strings decode to
// text, and duplicate names, and stops the parse (returns false) at the first problem.
class Guard {
 public:
  Guard(rapidjson::Document& doc, const Stream& stream, int max_depth,
        std::vector<MemberNames>& names)
      : doc_(doc),
        stream_(stream),
        max_depth_(static_cast<std::size_t>(std::max(max_depth, 0))),
        names_(names) {}

  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(std::int64_t i) { return doc_.Int64(i); }
  bool Uint64(std::uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
    return doc_.RawNumber(s, n, copy);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) {
    return IsText(s, n) && doc_.String(s, n, copy);
  }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) {
    if (!IsText(s, n)) return false;
    if (!names_[depth_ - 1].Insert({s, n})) {
      Stop(Refusal::kDuplicateMember,
           fmt::format("duplicate member \"{}\" at byte {}", Quote({s, n}), stream_.Tell()));
      return false;
    }
    return doc_.Key(s, n, copy);
  }
  bool StartObject() {
    if (!Enter()) return false;
    if (names_.size() < depth_) names_.resize(depth_);
    names_[depth_ - 1].Clear();
    return doc_.StartObject();
  }
  bool EndObject(rapidjson::SizeType n) {
    --depth_;
    return doc_.EndObject(n);
  }
  bool StartArray() { return Enter() && doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) {
    --depth_;
    return doc_.EndArray(n);
  }

  // Set when this handler stopped the parse; the message says why.
  bool stopped() const { return stopped_; }
  // Counts the refusal and returns it; call once.
  Status TakeRefusal() { return Refuse(why_, std::move(message_)); }

 private:
  bool Enter() {
    if (depth_ >= max_depth_) {
      // The iterative reader calls this before it takes the bracket that
      // opens the level too many: Tell() is that bracket's offset.
      Stop(Refusal::kDepth, fmt::format("JSON nested deeper than the limit of {} levels at byte {}",
                                        max_depth_, stream_.Tell()));
      return false;
    }
    ++depth_;
    return true;
  }
  // The reader has checked the raw bytes, but an escape can still decode to
  // something that is not text: \u0000, or a low surrogate on its own
  // ("\uDC00"), which RapidJSON turns into invalid UTF-8.
  bool IsText(const char* s, rapidjson::SizeType n) {
    if (std::memchr(s, '\0', n) != nullptr) {
      Stop(Refusal::kEncoding,
           fmt::format("a string holds the NUL character (\\u0000) at byte {}", stream_.Tell()));
      return false;
    }
    // A surrogate's UTF-8 form starts with 0xED: look closer only then.
    if (std::memchr(s, 0xED, n) != nullptr && FindInvalidUtf8({s, n}) != std::string_view::npos) {
      Stop(Refusal::kEncoding,
           fmt::format("a string holds an unpaired surrogate escape at byte {}", stream_.Tell()));
      return false;
    }
    return true;
  }
  void Stop(Refusal why, std::string message) {
    stopped_ = true;
    why_ = why;
    message_ = std::move(message);
  }

  rapidjson::Document& doc_;
  const Stream& stream_;
  const std::size_t max_depth_;
  std::vector<MemberNames>& names_;
  std::size_t depth_ = 0;
  bool stopped_ = false;
  Refusal why_ = Refusal::kSyntax;
  std::string message_;
};

// Iterative: the reader keeps its own stack on the heap and never recurses.
// Validate encoding: invalid UTF-8 in a string is an error, not passed on.
constexpr unsigned kFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

}  // namespace

Status Parse(std::string_view text, rapidjson::Document* doc, const ParseOptions& options) {
  doc->SetNull();
  if (text.size() > options.max_bytes) {
    return Refuse(Refusal::kSize, fmt::format("JSON of {} bytes exceeds the limit of {} bytes",
                                              text.size(), options.max_bytes));
  }
  // Per thread, reused: most documents open a few objects of a few names.
  thread_local std::vector<MemberNames> names;
  rapidjson::MemoryStream memory(text.data(), text.size());
  Stream stream(memory);
  Guard guard(*doc, stream, options.max_depth, names);
  rapidjson::Reader reader;
  auto generate = [&](rapidjson::Document&) {
    return !reader.Parse<kFlags>(stream, guard).IsError();
  };
  doc->Populate(generate);
  if (!reader.HasParseError()) return Status::Ok();
  doc->SetNull();
  if (guard.stopped()) return guard.TakeRefusal();
  const rapidjson::ParseErrorCode code = reader.GetParseErrorCode();
  const bool encoding = code == rapidjson::kParseErrorStringInvalidEncoding ||
                        code == rapidjson::kParseErrorStringUnicodeSurrogateInvalid;
  return Refuse(encoding ? Refusal::kEncoding : Refusal::kSyntax,
                fmt::format("invalid JSON at byte {}: {}", reader.GetErrorOffset(),
                            rapidjson::GetParseError_En(code)));
}

std::uint64_t RefusedCount(Refusal reason) {
  return g_refused[static_cast<std::size_t>(reason)].load(std::memory_order_relaxed);
}

std::string_view RefusalName(Refusal reason) {
  switch (reason) {
    case Refusal::kSyntax: return "syntax";
    case Refusal::kEncoding: return "encoding";
    case Refusal::kDepth: return "depth";
    case Refusal::kSize: return "size";
    case Refusal::kDuplicateMember: return "duplicate_member";
  }
  return "unknown";
}

std::vector<std::string> StringArray(std::string_view text) {
  std::vector<std::string> out;
  rapidjson::Document d;
  if (!Parse(text, &d).ok() || !d.IsArray()) return out;
  for (const auto& v : d.GetArray())
    if (v.IsString()) out.emplace_back(v.GetString(), v.GetStringLength());
  return out;
}

}  // namespace interdict::json
