#include "cluster/clickhouse.h"

#include <atomic>
#include <charconv>
#include <map>
#include <mutex>

#include <fmt/core.h>

#include "base/base64.h"
#include "http/client.h"

namespace interdict::cluster {

std::string ClickHouseNode::name() const {
  return fmt::format("{}:{}", host, port);
}

Result<ClickHouseShards> ParseShards(std::string_view spec) {
  ClickHouseShards out;
  std::size_t shard_no = 0;
  while (true) {
    const std::size_t semi = spec.find(';');
    std::string_view shard = spec.substr(0, semi);
    ++shard_no;
    std::vector<ClickHouseNode> replicas;
    while (true) {
      const std::size_t comma = shard.find(',');
      const std::string_view node = shard.substr(0, comma);
      const std::size_t colon = node.rfind(':');
      unsigned port = 0;
      const char* end = node.data() + node.size();
      if (colon == std::string_view::npos || colon == 0 ||
          std::from_chars(node.data() + colon + 1, end, port).ptr != end || port == 0 ||
          port > 65535)
        return Status::InvalidArgument(fmt::format(
            "ClickHouse nodes: shard {}: '{}' is not host:port (shards are separated by ';', "
            "replicas by ',')",
            shard_no, node));
      replicas.push_back({std::string(node.substr(0, colon)), static_cast<std::uint16_t>(port)});
      if (comma == std::string_view::npos) break;
      shard.remove_prefix(comma + 1);
    }
    out.push_back(std::move(replicas));
    if (semi == std::string_view::npos) break;
    spec.remove_prefix(semi + 1);
  }
  return out;
}

std::string Quote(std::string_view text) {
  std::string out = "'";
  for (char ch : text) {
    if (ch == '\'' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "'";
}

void AppendTabField(std::string& out, std::string_view text) {
  for (char ch : text) {
    switch (ch) {
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\\': out += "\\\\"; break;
      default: out += ch;
    }
  }
}

Result<std::vector<Row>> ParseTabSeparated(std::string_view body) {
  std::vector<Row> rows;
  Row row;
  std::string field;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char ch = body[i];
    if (ch == '\\') {
      if (++i == body.size())
        return Status::Internal(fmt::format("ClickHouse answer: a lone '\\' at byte {}", i - 1));
      switch (body[i]) {
        case 't': field += '\t'; break;
        case 'n': field += '\n'; break;
        case 'r': field += '\r'; break;
        case 'b': field += '\b'; break;
        case 'f': field += '\f'; break;
        case '0': field += '\0'; break;
        default: field += body[i];  // \\ \' and any other escaped character
      }
    } else if (ch == '\t') {
      row.push_back(std::move(field));
      field.clear();
    } else if (ch == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
    } else {
      field += ch;
    }
  }
  if (!field.empty() || !row.empty())
    return Status::Internal("ClickHouse answer: the last row has no end of line");
  return rows;
}

// Idle connections per node, so concurrent queries each get their own.
struct ClickHouse::Pool {
  std::mutex mu;
  std::map<std::string, std::vector<std::unique_ptr<http::Client>>> idle;
  std::atomic<std::size_t> next{0};  // where SelectAny starts
};

ClickHouse::ClickHouse(ClickHouseShards shards, std::chrono::milliseconds timeout,
                       ClickHouseUser user)
    : shards_(std::move(shards)),
      timeout_(timeout),
      authorization_("Basic " + Base64Encode(user.name + ":" + user.password)),
      pool_(std::make_unique<Pool>()) {}

ClickHouse::~ClickHouse() = default;

Result<std::string> ClickHouse::Send(const ClickHouseNode& node, std::string_view body) {
  const std::string key = node.name();
  std::unique_ptr<http::Client> client;
  {
    std::lock_guard l(pool_->mu);
    auto& idle = pool_->idle[key];
    if (!idle.empty()) {
      client = std::move(idle.back());
      idle.pop_back();
    }
  }
  if (!client) {
    http::ClientOptions o = http::ClientOptions::To(node.host, node.port);
    o.timeout = timeout_;
    client = std::make_unique<http::Client>(o);
  }
  Result<http::ClientResponse> r =
      client->Send("POST", "/", body, {{"Authorization", authorization_}});
  if (!r.ok())
    return Status::Unavailable(fmt::format("ClickHouse {}: {}", key, r.status().message()));
  {
    std::lock_guard l(pool_->mu);
    pool_->idle[key].push_back(std::move(client));
  }
  if (r->status != 200) {
    std::string message = r->body.substr(0, 600);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return Status::Internal(fmt::format("ClickHouse {} answered {}: {}", key, r->status, message));
  }
  return std::move(r->body);
}

Status ClickHouse::Run(const ClickHouseNode& node, std::string_view statement) {
  return Send(node, statement).status();
}

Result<std::vector<Row>> ClickHouse::Select(const ClickHouseNode& node, std::string_view query) {
  Result<std::string> body = Send(node, std::string(query) + " FORMAT TabSeparated");
  if (!body.ok()) return body.status();
  return ParseTabSeparated(*body);
}

Result<std::vector<Row>> ClickHouse::SelectAny(std::string_view query) {
  std::vector<const ClickHouseNode*> nodes;
  for (const auto& shard : shards_) {
    for (const ClickHouseNode& n : shard) nodes.push_back(&n);
  }
  if (nodes.empty()) return Status::FailedPrecondition("no ClickHouse nodes configured");
  const std::size_t start = pool_->next.fetch_add(1) % nodes.size();
  Status last = Status::Ok();
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    Result<std::vector<Row>> rows = Select(*nodes[(start + i) % nodes.size()], query);
    if (rows.ok() || rows.status().code() != StatusCode::kUnavailable) return rows;
    last = rows.status();
  }
  return last;
}

}  // namespace interdict::cluster
