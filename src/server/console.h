// The web console's files (docs/console.md): index.html for the console's own
// paths, the hashed bundles under /assets/, with the security headers every
// console response carries. Public routes: the code holds no data; everything
// it shows comes from the API, which checks the person.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "config/config.h"
#include "http/router.h"

namespace interdict::server {

class Console {
 public:
  // Reads the built console from `config.dir` (or console/ beside the
  // binary's directory). Missing is not an error: the routes then say so.
  static std::shared_ptr<const Console> Load(const config::ConsoleConfig& config);
  bool built() const { return !index_.empty(); }
  const std::string& dir() const { return dir_; }

  http::Response Index() const;
  http::Response Asset(const std::string& name) const;

 private:
  http::Response WithHeaders(http::Response r) const;
  std::string dir_, csp_;
  std::string index_;
  std::map<std::string, std::pair<std::string, std::string>> assets_;  // name → type, bytes
};

// The console's paths and its assets.
void AddConsoleRoutes(http::Router& router, std::shared_ptr<const Console> console);

}  // namespace interdict::server
