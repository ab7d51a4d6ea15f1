// The web console's files through the real server: its page for its own
// paths, its bundles, the security headers, and nothing else of the disk.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/catalog.h"
#include "support/running_service.h"
#include "support/temp_dir.h"

namespace interdict::server {
namespace {

class ConsoleTest : public ::testing::Test {
 protected:
  void Start(const std::string& console_dir, const std::string& tiles = "") {
    ASSERT_TRUE(test::MigratedCatalog(data_.File("catalog.db")));
    running_ =
        std::make_unique<test::RunningService>(data_.path(), log_, clock_, [&](config::Config& c) {
          c.console.dir = console_dir;
          c.console.tile_url = tiles;
        });
  }
  static void Write(const std::string& path, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }
  http::ClientResponse Get(const std::string& path) {
    Result<http::ClientResponse> r = running_->client().Send("GET", path);
    EXPECT_TRUE(r.ok()) << path;
    return r.ok() ? *r : http::ClientResponse{};
  }

  test::TempDir data_, web_;
  FakeClock clock_{1'800'000'000'000};
  Logger log_{[](std::string_view) {}, clock_};
  std::unique_ptr<test::RunningService> running_;
};

TEST_F(ConsoleTest, TheConsolesPathsAnswerItsPageWithAStrictPolicy) {
  Write(web_.File("index.html"), "<!doctype html><title>Interdict</title>");
  Write(web_.File("assets/index-3f2a9c.js"), "console.log('x')");
  Write(web_.path() + "/../secret.txt", "not for the web");
  Start(web_.path(), "https://tiles.example.org/{z}/{x}/{y}.png");
  for (const char* path : {"/", "/search", "/hits/12", "/audit", "/transparency"}) {
    http::ClientResponse r = Get(path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.body, "<!doctype html><title>Interdict</title>") << path;
    EXPECT_EQ(r.Header("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(r.Header("Cache-Control"), "no-store");
    EXPECT_EQ(r.Header("X-Content-Type-Options"), "nosniff");
    const std::string_view csp = r.Header("Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'self'"), std::string_view::npos) << csp;
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string_view::npos) << csp;
    EXPECT_NE(csp.find("img-src 'self' data: blob: https://tiles.example.org;"),
              std::string_view::npos)
        << csp;
    EXPECT_EQ(csp.find("unsafe"), std::string_view::npos) << csp;
  }
  http::ClientResponse js = Get("/assets/index-3f2a9c.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.Header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js.Header("Cache-Control"), "public, max-age=31536000, immutable");
  // Only the files read at start: no path reaches anything else.
  for (const char* path : {"/assets/missing.js", "/assets/..%2Fsecret.txt", "/assets/%2E%2E",
                           "/assets/../secret.txt", "/secret.txt"}) {
    http::ClientResponse r = Get(path);
    EXPECT_EQ(r.status, 404) << path << ": " << r.body;
    EXPECT_EQ(r.body.find("not for the web"), std::string::npos) << path;
  }
  // The API is untouched.
  EXPECT_EQ(Get("/healthz").status, 200);
}

TEST_F(ConsoleTest, AnUnbuiltConsoleSaysSoWithAJsonError) {
  Start(web_.path() + "/nowhere");
  http::ClientResponse r = Get("/");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find(R"("code":"console_not_built")"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("scripts/build console"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace interdict::server
