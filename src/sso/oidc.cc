#include "sso/oidc.h"

#include <algorithm>

#include <fmt/core.h>
#include <rapidjson/document.h>

#include "base/base64.h"
#include "base/json.h"
#include "crypto/crypto.h"
#include "http/client.h"

namespace interdict::sso {
namespace {

constexpr std::int64_t kDiscoveryMs = 3'600'000;
constexpr std::int64_t kKeysRefetchMs = 60'000;
constexpr std::size_t kMaxDocument = 1 << 20;

bool LoopbackUrl(const http::Url& u) {
  return u.host == "127.0.0.1" || u.host == "localhost" || u.host == "::1" || u.host == "[::1]";
}

std::string Str(const rapidjson::Value& v, const char* name) {
  const auto it = v.FindMember(name);
  return it != v.MemberEnd() && it->value.IsString()
             ? std::string(it->value.GetString(), it->value.GetStringLength())
             : "";
}

// A claim that is a string or an array of strings.
std::vector<std::string> Strings(const rapidjson::Value& v, std::string_view name) {
  std::vector<std::string> out;
  const auto it = v.FindMember(rapidjson::StringRef(name.data(), name.size()));
  if (it == v.MemberEnd()) return out;
  if (it->value.IsString()) out.emplace_back(it->value.GetString(), it->value.GetStringLength());
  if (it->value.IsArray()) {
    for (const auto& x : it->value.GetArray()) {
      if (x.IsString()) out.emplace_back(x.GetString(), x.GetStringLength());
    }
  }
  return out;
}

}  // namespace

std::string Base64Url(std::string_view bytes) {
  std::string s = Base64Encode(bytes);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return s;
}

std::string CodeChallenge(std::string_view verifier) {
  return Base64Url(crypto::AsBytes(crypto::Sha256(verifier)));
}

std::string FormEncode(std::string_view value) {
  std::string out;
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string AuthorizationUrl(const Discovery& d, std::string_view client_id,
                             std::string_view redirect_uri, std::string_view state,
                             std::string_view nonce, std::string_view code_challenge) {
  const char sep = d.authorization_endpoint.find('?') == std::string::npos ? '?' : '&';
  return fmt::format(
      "{}{}response_type=code&client_id={}&redirect_uri={}&scope=openid%20profile%20email&state={}"
      "&nonce={}&code_challenge={}&code_challenge_method=S256",
      d.authorization_endpoint, sep, FormEncode(client_id), FormEncode(redirect_uri),
      FormEncode(state), FormEncode(nonce), FormEncode(code_challenge));
}

Result<IdClaims> CheckClaims(std::string_view payload, const Expectations& e,
                             std::string_view groups_claim) {
  rapidjson::Document d;
  if (!json::Parse(payload, &d).ok() || !d.IsObject())
    return Status::Unauthenticated("ID token: the payload is not a JSON object");
  IdClaims c;
  c.iss = Str(d, "iss");
  c.sub = Str(d, "sub");
  c.nonce = Str(d, "nonce");
  c.azp = Str(d, "azp");
  c.acr = Str(d, "acr");
  c.preferred_username = Str(d, "preferred_username");
  c.name = Str(d, "name");
  c.email = Str(d, "email");
  c.aud = Strings(d, "aud");
  c.amr = Strings(d, "amr");
  c.groups = Strings(d, groups_claim);
  const auto exp = d.FindMember("exp"), iat = d.FindMember("iat");
  if (exp == d.MemberEnd() || !exp->value.IsNumber() || iat == d.MemberEnd() ||
      !iat->value.IsNumber())
    return Status::Unauthenticated("ID token: exp and iat are required");
  // Seconds since 1970; anything outside [0, 10^11) (the year 5138) is nonsense.
  const double exp_s = exp->value.GetDouble(), iat_s = iat->value.GetDouble();
  if (!(exp_s >= 0 && exp_s < 1e11) || !(iat_s >= 0 && iat_s < 1e11))
    return Status::Unauthenticated("ID token: exp or iat out of range");
  c.exp = static_cast<std::int64_t>(exp_s * 1000);
  c.iat = static_cast<std::int64_t>(iat_s * 1000);
  if (c.iss != e.issuer)
    return Status::Unauthenticated(
        fmt::format("ID token: issued by '{}', not the agency's provider '{}'", c.iss, e.issuer));
  if (c.sub.empty() || c.sub.size() > 255) return Status::Unauthenticated("ID token: no subject");
  if (std::find(c.aud.begin(), c.aud.end(), e.client_id) == c.aud.end())
    return Status::Unauthenticated("ID token: not issued to this client (aud)");
  if (c.aud.size() > 1 && c.azp != e.client_id)
    return Status::Unauthenticated("ID token: several audiences and azp is not this client");
  if (c.exp + e.skew_ms <= e.now_ms) return Status::Unauthenticated("ID token: expired");
  if (c.iat - e.skew_ms > e.now_ms)
    return Status::Unauthenticated("ID token: issued in the future");
  if (c.nonce.empty() || !crypto::ConstantTimeEqual(c.nonce, e.nonce))
    return Status::Unauthenticated("ID token: the nonce is not this sign-in's");
  return c;
}

bool MfaAsserted(const IdClaims& c, const identity::SsoSettings& s) {
  for (const std::string& m : c.amr) {
    if (std::find(s.mfa_amr.begin(), s.mfa_amr.end(), m) != s.mfa_amr.end()) return true;
  }
  return !c.acr.empty() && std::find(s.mfa_acr.begin(), s.mfa_acr.end(), c.acr) != s.mfa_acr.end();
}

Result<std::string> Providers::Fetch(std::string_view method, const std::string& url,
                                     std::string_view body, std::string_view authorization) {
  Result<http::Url> u = http::ParseUrl(url);
  if (!u.ok()) return u.status().WithContext(url + ": ");
  if (!u->tls && !LoopbackUrl(*u))
    return Status::FailedPrecondition(
        fmt::format("{}: a provider is reached over https only", url));
  http::ClientOptions o = http::ClientOptions::To(u->host, u->port);
  o.tls = u->tls;
  o.timeout = std::chrono::seconds(10);
  o.max_body_bytes = kMaxDocument;
  http::Client client(o);
  http::HeaderList headers = {{"Accept", "application/json"}};
  if (!body.empty()) headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
  if (!authorization.empty()) headers.push_back({"Authorization", std::string(authorization)});
  Result<http::ClientResponse> r = client.Send(method, u->target, body, headers);
  if (!r.ok()) return r.status().WithContext(url + ": ");
  if (r->status != 200)
    return Status::Unavailable(
        fmt::format("{}: HTTP {}: {}", url, r->status, r->body.substr(0, 200)));
  return std::move(r->body);
}

Result<Discovery> Providers::Discover(const std::string& issuer) {
  {
    std::lock_guard l(mu_);
    auto it = by_issuer_.find(issuer);
    if (it != by_issuer_.end() && clock_.NowMillis() - it->second.discovered_at < kDiscoveryMs)
      return it->second.discovery;
  }
  std::string base = issuer;
  while (!base.empty() && base.back() == '/') base.pop_back();
  Result<std::string> text = Fetch("GET", base + "/.well-known/openid-configuration", "", "");
  if (!text.ok()) return text.status();
  rapidjson::Document d;
  if (!json::Parse(*text, &d).ok() || !d.IsObject())
    return Status::Unavailable(issuer + ": the discovery document is not JSON");
  Discovery disc{Str(d, "issuer"), Str(d, "authorization_endpoint"), Str(d, "token_endpoint"),
                 Str(d, "jwks_uri")};
  if (disc.issuer != issuer)
    return Status::Unavailable(
        fmt::format("{}: the discovery document names issuer '{}': refused", issuer, disc.issuer));
  if (disc.authorization_endpoint.empty() || disc.token_endpoint.empty() || disc.jwks_uri.empty())
    return Status::Unavailable(issuer + ": the discovery document lacks an endpoint");
  std::lock_guard l(mu_);
  Cached& c = by_issuer_[issuer];
  c.discovery = disc;
  c.discovered_at = clock_.NowMillis();
  return disc;
}

Result<std::string> Providers::ExchangeCode(const Discovery& d, std::string_view client_id,
                                            std::string_view client_secret, std::string_view code,
                                            std::string_view redirect_uri,
                                            std::string_view verifier) {
  std::string body = fmt::format(
      "grant_type=authorization_code&code={}&redirect_uri={}"
      "&code_verifier={}",
      FormEncode(code), FormEncode(redirect_uri), FormEncode(verifier));
  std::string auth;
  if (client_secret.empty()) {
    body += "&client_id=" + FormEncode(client_id);  // a public client: PKCE alone
  } else {
    auth = "Basic " + Base64Encode(FormEncode(client_id) + ":" + FormEncode(client_secret));
  }
  Result<std::string> text = Fetch("POST", d.token_endpoint, body, auth);
  if (!text.ok()) return text.status();
  rapidjson::Document r;
  if (!json::Parse(*text, &r).ok() || !r.IsObject())
    return Status::Unavailable("token endpoint: the answer is not JSON");
  std::string id_token = Str(r, "id_token");
  if (id_token.empty()) return Status::Unauthenticated("token endpoint: no id_token in the answer");
  return id_token;
}

Result<std::string> Providers::Verify(const Discovery& d, std::string_view id_token) {
  const std::string kid = KidOf(id_token);
  std::shared_ptr<const KeySet> keys;
  bool stale = true;
  {
    std::lock_guard l(mu_);
    Cached& c = by_issuer_[d.issuer];
    keys = c.keys;
    const bool may_refetch = clock_.NowMillis() - c.keys_at >= kKeysRefetchMs;
    stale = keys == nullptr || (!keys->Has(kid) && may_refetch);
  }
  if (stale) {
    Result<std::string> text = Fetch("GET", d.jwks_uri, "", "");
    if (!text.ok()) return text.status();
    Result<KeySet> parsed = KeySet::Parse(*text);
    if (!parsed.ok()) return parsed.status().WithContext(d.jwks_uri + ": ");
    keys = std::make_shared<const KeySet>(std::move(parsed).value());
    std::lock_guard l(mu_);
    Cached& c = by_issuer_[d.issuer];
    c.keys = keys;
    c.keys_at = clock_.NowMillis();
    log_.Info("fetched the provider's signing keys",
              {{"issuer", d.issuer}, {"keys", keys->size()}});
  }
  return keys->Verify(id_token);
}

}  // namespace interdict::sso
