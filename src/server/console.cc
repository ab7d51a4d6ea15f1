#include "server/console.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <fmt/core.h>

namespace interdict::server {
namespace {

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string TypeOf(const std::string& name) {
  const std::string ext = std::filesystem::path(name).extension().string();
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".json") return "application/json";
  if (ext == ".ico") return "image/x-icon";
  return "application/octet-stream";
}

// console/ beside the directory of the running binary (bin/interdict ->
// console/), where scripts/build puts the console for each build flavour.
std::string DefaultDir() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "console";
  return (exe.parent_path().parent_path() / "console").string();
}

}  // namespace

std::shared_ptr<const Console> Console::Load(const config::ConsoleConfig& config) {
  auto c = std::make_shared<Console>();
  c->dir_ = config.dir.empty() ? DefaultDir() : config.dir;
  // The policy of docs/console.md: nothing but our own origin, and the tile
  // server when one is configured.
  std::string tiles;
  if (!config.tile_url.empty()) {
    const std::size_t scheme = config.tile_url.find("://");
    const std::size_t end = config.tile_url.find('/', scheme + 3);
    tiles = " " + config.tile_url.substr(0, end);
  }
  c->csp_ = fmt::format(
      "default-src 'self'; img-src 'self' data: blob:{}; connect-src 'self'; style-src 'self'; "
      "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      tiles);
  std::error_code ec;
  const std::filesystem::path root(c->dir_);
  if (!std::filesystem::is_regular_file(root / "index.html", ec)) return c;
  c->index_ = ReadAll(root / "index.html");
  // The page learns the tile server from a meta tag (no inline script is allowed).
  const std::string placeholder = R"(name="interdict-tile-url" content="")";
  if (const std::size_t at = c->index_.find(placeholder); at != std::string::npos) {
    std::string escaped;
    for (char ch : config.tile_url) {
      switch (ch) {
        case '"': escaped += "&quot;"; break;
        case '&': escaped += "&amp;"; break;
        case '<': escaped += "&lt;"; break;
        case '>': escaped += "&gt;"; break;
        default: escaped += ch;
      }
    }
    c->index_.replace(at, placeholder.size(),
                      R"(name="interdict-tile-url" content=")" + escaped + "\"");
  }
  for (const auto& e : std::filesystem::directory_iterator(root / "assets", ec)) {
    if (!e.is_regular_file(ec)) continue;
    const std::string name = e.path().filename().string();
    c->assets_[name] = {TypeOf(name), ReadAll(e.path())};
  }
  return c;
}

http::Response Console::WithHeaders(http::Response r) const {
  r.headers.emplace_back("Content-Security-Policy", csp_);
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  return r;
}

http::Response Console::Index() const {
  if (index_.empty()) {
    return http::Response::Error(
        404, "console_not_built",
        fmt::format("the web console is not built in {} (scripts/build console)", dir_));
  }
  // (Cache-Control: no-store and X-Content-Type-Options: nosniff come with
  // every response of the server.)
  return WithHeaders(http::Response::Text(200, index_, "text/html; charset=utf-8"));
}

http::Response Console::Asset(const std::string& name) const {
  // Names are looked up among the files read at start, never joined to a
  // path: "..", "/" and "\" cannot reach anything else.
  auto it = assets_.find(name);
  if (it == assets_.end()) return http::Response::Error(404, "not_found", "no such asset");
  http::Response r = http::Response::Text(200, it->second.second, it->second.first);
  r.headers.emplace_back("Cache-Control", "public, max-age=31536000, immutable");
  return WithHeaders(std::move(r));
}

void AddConsoleRoutes(http::Router& router, std::shared_ptr<const Console> console) {
  const http::AccessRule rule = http::AccessRule::Public(
      "the web console's code and page: no data; what it shows comes from the API");
  for (const char* path : {"/", "/hits", "/hits/{id}", "/search", "/dispatch", "/deconfliction",
                           "/bolos", "/intel", "/hotlists", "/admin", "/audit", "/review",
                           "/disparity", "/outcomes", "/records", "/transparency"}) {
    router.Add({"GET", path, rule, [console](const http::Request&, const http::PathParams&) {
                  return console->Index();
                }});
  }
  router.Add({"GET", "/assets/{file}", rule,
              [console](const http::Request&, const http::PathParams& params) {
                return console->Asset(params.at("file"));
              }});
}

}  // namespace interdict::server
