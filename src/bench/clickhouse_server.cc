#include "bench/clickhouse_server.h"

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <fmt/core.h>

#include "bench/child_process.h"
#include "http/client.h"

namespace interdict::bench {
namespace {

constexpr const char* kServer = "/usr/sbin/clickhouse-server";

// Only what the benchmark needs: HTTP on loopback (no native, interserver or
// MySQL ports), data, logs and temporary files in `dir`, UTC, and caches
// sized for a 24 GiB machine shared with the other stores.
std::string Config(const std::string& dir, int port, int native_port) {
  const std::string cluster =
      native_port == 0
          ? std::string()
          : fmt::format(
                "  <tcp_port>{0}</tcp_port>\n  <remote_servers><interdict><shard><replica>"
                "<host>127.0.0.1</host><port>{0}</port></replica></shard></interdict>"
                "</remote_servers>\n",
                native_port);
  return fmt::format(R"(<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>{0}/server.log</log><errorlog>{0}/server.err.log</errorlog></logger>
  <http_port>{1}</http_port>
  <listen_host>127.0.0.1</listen_host>
  <path>{0}/data/</path>
  <tmp_path>{0}/tmp/</tmp_path>
  <user_files_path>{0}/user_files/</user_files_path>
  <format_schema_path>{0}/format_schemas/</format_schema_path>
  <mark_cache_size>1073741824</mark_cache_size>
  <users_config>{0}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
{2}</yandex>
)",
                     dir, port, cluster);
}

constexpr const char* kUsers = R"(<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>8000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
)";

Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Status::IOError("cannot write " + path);
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<ClickHouseServer>> ClickHouseServer::Start(const std::string& parent,
                                                                  std::chrono::seconds timeout,
                                                                  bool one_node_cluster) {
  std::error_code ec;
  if (!std::filesystem::exists(kServer, ec))
    return Status::FailedPrecondition(
        "ClickHouse is not installed (Debian's clickhouse-server package: scripts/setup --peers)");
  std::unique_ptr<ClickHouseServer> s(new ClickHouseServer());
  s->dir_ = parent + "/clickhouse";
  std::filesystem::create_directories(s->dir_ + "/data", ec);
  if (ec) return Status::Internal(fmt::format("cannot create {}: {}", s->dir_, ec.message()));
  Result<int> port = FreeLoopbackPort();
  if (!port.ok()) return port.status();
  s->port_ = *port;
  int native_port = 0;
  if (one_node_cluster) {
    Result<int> p = FreeLoopbackPort();
    if (!p.ok()) return p.status();
    native_port = *p;
  }
  INTERDICT_RETURN_IF_ERROR(
      WriteFile(s->dir_ + "/config.xml", Config(s->dir_, s->port_, native_port)));
  INTERDICT_RETURN_IF_ERROR(WriteFile(s->dir_ + "/users.xml", kUsers));
  const std::string log = s->dir_ + "/console.log";
  Result<pid_t> pid = Spawn({kServer, "--config-file=" + s->dir_ + "/config.xml"}, log);
  if (!pid.ok()) return pid.status();
  s->pid_ = *pid;
  http::ClientOptions o = http::ClientOptions::To("127.0.0.1", s->http_port());
  o.timeout = std::chrono::seconds(2);
  http::Client client(o);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    Result<http::ClientResponse> r = client.Send("POST", "/", "SELECT 1");
    if (r.ok() && r->status == 200) break;
    if (WaitExit(s->pid_, std::chrono::milliseconds(0))) {
      s->pid_ = -1;
      return Status::Internal(fmt::format("clickhouse-server exited at start (see {})", log));
    }
    if (std::chrono::steady_clock::now() > deadline)
      return Status::Unavailable(fmt::format("clickhouse-server did not answer (see {})", log));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polls the server's readiness
  }
  return s;
}

ClickHouseServer::~ClickHouseServer() {
  Stop(pid_, SIGTERM, std::chrono::seconds(60));
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

}  // namespace interdict::bench
