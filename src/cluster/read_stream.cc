#include "cluster/read_stream.h"

#include <charconv>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/core.h>

#include "cluster/nats.h"
#include "read/native_format.h"

namespace interdict::cluster {
namespace {

constexpr const char* kStream = "INTERDICT_READS";
constexpr const char* kSubject = "interdict.reads.v1";
constexpr const char* kConsumer = "loaders";
constexpr const char* kReceivedHeader = "Interdict-Received";
constexpr std::int64_t kNanosPerMilli = 1'000'000;
constexpr std::int64_t kDuplicateWindowNs = 10 * 60'000 * kNanosPerMilli;
constexpr std::int32_t kMaxMessageBytes = 8 << 10;
constexpr std::int64_t kAckWaitNs = 60'000 * kNanosPerMilli;
constexpr std::int64_t kMaxAckPending = 200'000;
// How long Connect tries to reach JetStream before the server refuses to start.
constexpr auto kConnectPatience = std::chrono::seconds(30);

void AppendEscaped(std::string& out, std::string_view s) {
  for (char ch : s) {
    if (ch == '%')
      out += "%25";
    else if (ch == '/')
      out += "%2F";
    else
      out += ch;
  }
}

struct StreamGuard {
  jsStreamInfo* info = nullptr;
  ~StreamGuard() {
    if (info != nullptr) jsStreamInfo_Destroy(info);
  }
};

// The stream's settings that must be as configured, and how they differ.
std::string Differences(const jsStreamConfig& have, const jsStreamConfig& want) {
  std::string out;
  auto check = [&](const char* name, std::int64_t a, std::int64_t b) {
    if (a != b)
      out += fmt::format("{}{} is {}, configured {}", out.empty() ? "" : "; ", name, a, b);
  };
  check("replicas", have.Replicas, want.Replicas);
  check("max_bytes", have.MaxBytes, want.MaxBytes);
  check("max_messages", have.MaxMsgs, want.MaxMsgs);
  check("max_age (ns)", have.MaxAge, want.MaxAge);
  check("max_message_size", have.MaxMsgSize, want.MaxMsgSize);
  check("duplicate_window (ns)", have.Duplicates, want.Duplicates);
  check("retention", have.Retention, want.Retention);
  check("discard", have.Discard, want.Discard);
  check("storage", have.Storage, want.Storage);
  if (have.SubjectsLen != 1 || std::string_view(have.Subjects[0]) != kSubject)
    out += fmt::format("{}subjects are not just {}", out.empty() ? "" : "; ", kSubject);
  return out;
}

// One Publish call's messages and what JetStream answered for each.
struct Batch {
  std::mutex mu;
  std::map<const natsMsg*, std::size_t> index;
  std::vector<int> outcome;  // 0 no answer yet, 1 stored, 2 duplicate, 3 refused
  std::string first_error;
  bool full = false;

  static void OnAck(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure) {
    Batch& b = *static_cast<Batch*>(closure);
    {
      std::lock_guard l(b.mu);
      auto it = b.index.find(msg);
      if (it != b.index.end()) {
        if (pa != nullptr) {
          b.outcome[it->second] = pa->Duplicate ? 2 : 1;
        } else {
          b.outcome[it->second] = 3;
          if (pae != nullptr) {
            if (b.first_error.empty())
              b.first_error = pae->ErrText != nullptr ? pae->ErrText : natsStatus_GetText(pae->Err);
            const std::string_view text = pae->ErrText != nullptr ? pae->ErrText : "";
            if (pae->ErrCode == JSStreamStoreFailedErr || pae->ErrCode == JSStreamLimitsErr ||
                pae->ErrCode == JSStorageResourcesExceededErr ||
                text.find("maximum") != std::string_view::npos)
              b.full = true;
          }
        }
      }
    }
    natsMsg_Destroy(msg);
  }
};

}  // namespace

std::string MessageId(const read::Read& r) {
  std::string id = r.agency + "/";  // agency codes hold no '/' nor '%'
  AppendEscaped(id, r.camera);
  id += '/';
  AppendEscaped(id, r.id);
  return id;
}

struct Delivery::Messages {
  natsConnection* connection = nullptr;
  natsMsgList list{nullptr, 0};
  std::vector<natsMsg*> reads;  // the messages of `reads`, in order
  ~Messages() { natsMsgList_Destroy(&list); }
};

Delivery::~Delivery() = default;
Delivery::Delivery(Delivery&&) noexcept = default;
Delivery& Delivery::operator=(Delivery&&) noexcept = default;

void Delivery::Ack() {
  if (!messages_) return;
  for (natsMsg* m : messages_->reads) natsMsg_Ack(m, nullptr);
  // The acknowledgements are on their way once the server answered a ping
  // sent after them (a lost one only means the read is loaded again).
  natsConnection_FlushTimeout(messages_->connection, 5000);
}

void Delivery::Retry(std::chrono::milliseconds delay) {
  if (!messages_) return;
  for (natsMsg* m : messages_->reads) natsMsg_NakWithDelay(m, delay.count(), nullptr);
  natsConnection_FlushTimeout(messages_->connection, 5000);
}

struct ReadStream::Impl {
  ReadStreamOptions opts;
  Logger& log;
  natsOptions* options = nullptr;
  natsConnection* connection = nullptr;
  jsCtx* js = nullptr;  // for stream info and the loaders' subscription
  std::mutex fetch_mu;
  natsSubscription* pull = nullptr;
  std::mutex lease_mu;
  kvStore* leases = nullptr;
  std::map<std::string, std::uint64_t> held;  // job → revision of our key
  // Batches that timed out, kept a minute for answers arriving late (their
  // handler may still run), then freed.
  std::mutex retired_mu;
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::unique_ptr<Batch>>> retired;

  Impl(ReadStreamOptions o, Logger& l) : opts(std::move(o)), log(l) {}
  ~Impl() {
    if (pull != nullptr) natsSubscription_Destroy(pull);
    if (leases != nullptr) kvStore_Destroy(leases);
    if (js != nullptr) jsCtx_Destroy(js);
    if (connection != nullptr) {
      natsConnection_Close(connection);
      natsConnection_Destroy(connection);
    }
    if (options != nullptr) natsOptions_Destroy(options);
  }

  jsStreamConfig WantedConfig(const char** subjects) const {
    jsStreamConfig c;
    jsStreamConfig_Init(&c);
    c.Name = kStream;
    c.Subjects = subjects;
    c.SubjectsLen = 1;
    c.Retention = js_WorkQueuePolicy;
    c.Discard = js_DiscardNew;
    c.Storage = js_FileStorage;
    c.Replicas = opts.replicas;
    c.MaxBytes = opts.max_bytes;
    c.MaxMsgs = opts.max_messages;
    c.MaxAge = 0;
    c.MaxMsgSize = kMaxMessageBytes;
    c.Duplicates = kDuplicateWindowNs;
    return c;
  }

  // The stream and the consumer as configured: made when missing, refused
  // when different.
  Status Ensure() {
    const char* subjects[] = {kSubject};
    jsStreamConfig want = WantedConfig(subjects);
    StreamGuard have;
    jsErrCode err = static_cast<jsErrCode>(0);
    natsStatus s = js_GetStreamInfo(&have.info, js, kStream, nullptr, &err);
    if (s == NATS_NOT_FOUND) {
      s = js_AddStream(&have.info, js, &want, nullptr, &err);
      if (s != NATS_OK) return NatsError(s, fmt::format("creating the stream {}", kStream));
      log.Info("created the reads' stream",
               {{"stream", kStream}, {"replicas", std::to_string(opts.replicas)}});
    } else if (s != NATS_OK) {
      return NatsError(s, fmt::format("the stream {}", kStream));
    } else if (const std::string diff = Differences(*have.info->Config, want); !diff.empty()) {
      return Status::FailedPrecondition(fmt::format(
          "the stream {} exists with other settings ({}); change them as docs/cluster.md says, "
          "or the configuration",
          kStream, diff));
    }
    jsConsumerConfig cc;
    jsConsumerConfig_Init(&cc);
    cc.Durable = kConsumer;
    cc.AckPolicy = js_AckExplicit;
    cc.AckWait = kAckWaitNs;
    cc.MaxAckPending = kMaxAckPending;
    cc.MaxDeliver = -1;
    jsConsumerInfo* ci = nullptr;
    s = js_GetConsumerInfo(&ci, js, kStream, kConsumer, nullptr, &err);
    if (s == NATS_NOT_FOUND) s = js_AddConsumer(&ci, js, kStream, &cc, nullptr, &err);
    if (ci != nullptr) jsConsumerInfo_Destroy(ci);
    if (s != NATS_OK) return NatsError(s, fmt::format("the consumer {}", kConsumer));
    return Status::Ok();
  }
};

ReadStream::ReadStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ReadStream::~ReadStream() = default;

Result<std::unique_ptr<ReadStream>> ReadStream::Connect(const ReadStreamOptions& options,
                                                        Logger& log) {
  auto impl = std::make_unique<Impl>(options, log);
  Result<natsOptions*> o = NatsOptions(options.urls, options.token, "cluster.nats.url");
  if (!o.ok()) return o.status();
  impl->options = *o;
  // Reads are never published without JetStream's answer: a publish while
  // disconnected waits in the library's buffer, bounded by the publish timeout.
  natsOptions_SetReconnectBufSize(impl->options, 64 << 20);
  const auto deadline = std::chrono::steady_clock::now() + kConnectPatience;
  Status last = Status::Ok();
  for (;;) {
    natsStatus s = natsConnection_Connect(&impl->connection, impl->options);
    if (s == NATS_OK) {
      jsOptions jo;
      jsOptions_Init(&jo);
      jo.Wait = 5000;
      s = natsConnection_JetStream(&impl->js, impl->connection, &jo);
      if (s != NATS_OK) return NatsError(s, "JetStream");
      last = impl->Ensure();
      if (last.ok() || last.code() == StatusCode::kFailedPrecondition) break;
    } else {
      last = NatsError(s, "connecting to " + options.urls);
    }
    if (std::chrono::steady_clock::now() > deadline) break;
    log.Warn("JetStream is not ready; trying again", {{"error", last.message()}});
    std::this_thread::sleep_for(std::chrono::seconds(1));  // waits for NATS to come up
  }
  INTERDICT_RETURN_IF_ERROR(last);
  log.Info("reads go through JetStream",
           {{"urls", options.urls}, {"stream", kStream}, {"subject", kSubject}});
  return std::unique_ptr<ReadStream>(new ReadStream(std::move(impl)));
}

Result<std::vector<bool>> ReadStream::Publish(const std::vector<read::Read>& reads,
                                              std::int64_t received) {
  std::vector<bool> fresh(reads.size(), false);
  if (reads.empty()) return fresh;
  {
    std::lock_guard l(impl_->retired_mu);
    const auto now = std::chrono::steady_clock::now();
    while (!impl_->retired.empty() && now - impl_->retired.front().first > std::chrono::minutes(1))
      impl_->retired.pop_front();
  }
  auto owned_batch = std::make_unique<Batch>();
  Batch& batch = *owned_batch;
  batch.outcome.assign(reads.size(), 0);
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.PublishAsync.AckHandler = &Batch::OnAck;
  jo.PublishAsync.AckHandlerClosure = &batch;
  jo.PublishAsync.MaxPending = 20'000;
  jo.PublishAsync.StallWait = impl_->opts.publish_timeout.count();
  jsCtx* js = nullptr;
  natsStatus s = natsConnection_JetStream(&js, impl_->connection, &jo);
  if (s != NATS_OK) return NatsError(s, "JetStream");
  const std::string when = std::to_string(received);
  Status failed = Status::Ok();
  for (std::size_t i = 0; i < reads.size() && failed.ok(); ++i) {
    const std::string body = read::FormatNativeRead(reads[i]);
    natsMsg* m = nullptr;
    s = natsMsg_Create(&m, kSubject, nullptr, body.data(), static_cast<int>(body.size()));
    if (s == NATS_OK) s = natsMsgHeader_Set(m, "Nats-Msg-Id", MessageId(reads[i]).c_str());
    if (s == NATS_OK) s = natsMsgHeader_Set(m, kReceivedHeader, when.c_str());
    if (s == NATS_OK) {
      {
        std::lock_guard l(batch.mu);
        batch.index[m] = i;
      }
      natsMsg* owned = m;
      s = js_PublishMsgAsync(js, &owned, nullptr);
      if (s != NATS_OK) {
        std::lock_guard l(batch.mu);
        batch.index.erase(m);
      }
      natsMsg_Destroy(owned);  // null when the library took it
    } else {
      natsMsg_Destroy(m);
    }
    if (s != NATS_OK) failed = NatsError(s, "publishing reads");
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = impl_->opts.publish_timeout.count();
  s = js_PublishAsyncComplete(js, &po);
  if (s != NATS_OK) {
    // Those still without an answer are taken back (and count as not stored).
    natsMsgList pending{nullptr, 0};
    if (js_PublishAsyncGetPendingList(&pending, js) == NATS_OK) {
      std::lock_guard l(batch.mu);
      for (int k = 0; k < pending.Count; ++k) batch.index.erase(pending.Msgs[k]);
      natsMsgList_Destroy(&pending);
    }
    if (failed.ok()) failed = NatsError(s, "waiting for JetStream to store the reads");
  }
  jsCtx_Destroy(js);
  std::unique_lock l(batch.mu);
  std::size_t refused = 0;
  for (std::size_t i = 0; i < reads.size(); ++i) {
    if (batch.outcome[i] == 1 || batch.outcome[i] == 2) {
      fresh[i] = batch.outcome[i] == 1;
    } else {
      ++refused;
    }
  }
  if (refused == 0 && failed.ok()) return fresh;
  const bool full = batch.full;
  const std::string first_error = batch.first_error;
  l.unlock();
  if (!failed.ok() || refused > 0) {
    std::lock_guard r(impl_->retired_mu);
    impl_->retired.emplace_back(std::chrono::steady_clock::now(), std::move(owned_batch));
  }
  if (full)
    return Status::ResourceExhausted(
        fmt::format("the reads' stream is full: {} of {} reads not stored ({})", refused,
                    reads.size(), first_error));
  if (failed.ok())
    failed = Status::Unavailable(fmt::format("JetStream did not store {} of {} reads: {}", refused,
                                             reads.size(), first_error));
  return failed;
}

Result<Delivery> ReadStream::Fetch(int max, std::chrono::milliseconds wait) {
  std::lock_guard l(impl_->fetch_mu);
  if (impl_->pull == nullptr) {
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = kStream;
    so.Consumer = kConsumer;
    so.ManualAck = true;
    jsErrCode err = static_cast<jsErrCode>(0);
    natsStatus s =
        js_PullSubscribe(&impl_->pull, impl_->js, kSubject, kConsumer, nullptr, &so, &err);
    if (s != NATS_OK) {
      impl_->pull = nullptr;
      return NatsError(s, "subscribing to the reads' stream");
    }
  }
  Delivery d;
  d.messages_ = std::make_unique<Delivery::Messages>();
  d.messages_->connection = impl_->connection;
  jsErrCode err = static_cast<jsErrCode>(0);
  natsStatus s = natsSubscription_Fetch(&d.messages_->list, impl_->pull, max, wait.count(), &err);
  if (s == NATS_TIMEOUT) return d;
  if (s != NATS_OK) return NatsError(s, "fetching reads");
  for (int i = 0; i < d.messages_->list.Count; ++i) {
    natsMsg* m = d.messages_->list.Msgs[i];
    read::Read r;
    read::ReadRejection why;
    const char* received = nullptr;
    std::int64_t at = 0;
    const std::string_view body(natsMsg_GetData(m),
                                static_cast<std::size_t>(natsMsg_GetDataLength(m)));
    if (!read::ParseNativeRead(body, &r, &why) ||
        natsMsgHeader_Get(m, kReceivedHeader, &received) != NATS_OK ||
        std::from_chars(received, received + std::strlen(received), at).ec != std::errc()) {
      // The server wrote it: a bug or tampering, never a camera's input.
      jsMsgMetaData* meta = nullptr;
      std::uint64_t seq = 0;
      if (natsMsg_GetMetaData(&meta, m) == NATS_OK) {
        seq = meta->Sequence.Stream;
        jsMsgMetaData_Destroy(meta);
      }
      impl_->log.Error(
          "a message in the reads' stream is not a read; terminated",
          {{"stream_sequence", std::to_string(seq)}, {"field", why.field}, {"error", why.message}});
      natsMsg_Term(m, nullptr);
      natsConnection_FlushTimeout(impl_->connection, 5000);
      ++d.refused;
      continue;
    }
    d.reads.push_back(std::move(r));
    d.received.push_back(at);
    d.messages_->reads.push_back(m);
  }
  return d;
}

Result<bool> ReadStream::Lead(const std::string& job, const std::string& holder) {
  std::lock_guard l(impl_->lease_mu);
  if (impl_->leases == nullptr) {
    natsStatus s = js_KeyValue(&impl_->leases, impl_->js, "INTERDICT_LEASES");
    if (s == NATS_NOT_FOUND) {
      kvConfig c;
      kvConfig_Init(&c);
      c.Bucket = "INTERDICT_LEASES";
      c.History = 1;
      c.TTL = std::chrono::duration_cast<std::chrono::nanoseconds>(kLeaseTtl).count();
      c.StorageType = js_FileStorage;
      c.Replicas = impl_->opts.replicas;
      s = js_CreateKeyValue(&impl_->leases, impl_->js, &c);
    }
    if (s != NATS_OK) {
      impl_->leases = nullptr;
      return NatsError(s, "the leases' bucket");
    }
  }
  std::uint64_t& rev = impl_->held[job];
  std::uint64_t next = 0;
  // Keep it when held (the update fails if another took it meanwhile), else
  // take it when nobody holds it (the create fails if someone does).
  const natsStatus s =
      rev != 0 ? kvStore_UpdateString(&next, impl_->leases, job.c_str(), holder.c_str(), rev)
               : kvStore_CreateString(&next, impl_->leases, job.c_str(), holder.c_str());
  if (s == NATS_OK) {
    rev = next;
    return true;
  }
  rev = 0;
  if (s == NATS_TIMEOUT || s == NATS_CONNECTION_CLOSED || s == NATS_NO_SERVER ||
      s == NATS_NO_RESPONDERS || s == NATS_NOT_YET_CONNECTED)
    return NatsError(s, "the lease of " + job);
  return false;  // held by another: the key exists, or was updated since
}

Result<std::uint64_t> ReadStream::Pending() {
  StreamGuard info;
  jsErrCode err = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&info.info, impl_->js, kStream, nullptr, &err);
  if (s != NATS_OK) return NatsError(s, "the stream's state");
  return info.info->State.Msgs;
}

}  // namespace interdict::cluster
