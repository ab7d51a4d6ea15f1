#include "sso/jose.h"

#include <cjose/cjose.h>

#include <algorithm>

#include <fmt/core.h>
#include <rapidjson/document.h>

#include "base/base64.h"
#include "base/json.h"
#include "base/json_writer.h"

namespace interdict::sso {
namespace {

// Base64url (RFC 4648 §5) without padding, as JOSE writes it.
std::optional<std::string> Base64UrlDecode(std::string_view in) {
  std::string s(in);
  for (char& c : s) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (s.size() % 4 != 0) s += '=';
  return Base64Decode(s);
}

bool IsBase64Url(std::string_view s) {
  return !s.empty() && s.size() <= 64 * 1024 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

// The public members of an RSA or EC signing key, re-written, or nullopt when
// a member is missing or not what RFC 7518 says it is.
std::optional<std::string> PublicJwk(const rapidjson::Value& k) {
  auto str = [&](const char* name) -> std::optional<std::string> {
    const auto it = k.FindMember(name);
    if (it == k.MemberEnd() || !it->value.IsString()) return std::nullopt;
    return std::string(it->value.GetString(), it->value.GetStringLength());
  };
  const std::optional<std::string> kty = str("kty");
  const std::optional<std::string> kid = str("kid");
  if (kid && (kid->empty() || kid->size() > 256)) return std::nullopt;
  std::vector<std::pair<const char*, std::string>> members = {{"kty", kty.value_or("")}};
  std::vector<const char*> params;
  if (kty == "RSA") {
    params = {"n", "e"};
  } else if (kty == "EC") {
    const std::optional<std::string> crv = str("crv");
    if (crv != "P-256" && crv != "P-384" && crv != "P-521") return std::nullopt;
    members.emplace_back("crv", *crv);
    params = {"x", "y"};
  } else {
    return std::nullopt;  // never a shared secret ("oct")
  }
  for (const char* p : params) {
    const std::optional<std::string> v = str(p);
    if (!v || !IsBase64Url(*v)) return std::nullopt;
    members.emplace_back(p, *v);
  }
  if (kid) members.emplace_back("kid", *kid);
  return json::Write([&](json::Writer& w) {
    w.StartObject();
    for (const auto& [name, value] : members) json::Members(w, name, value);
    w.EndObject();
  });
}

// A string member of a compact JWS's header, decoded here ("" when none).
std::string HeaderMember(std::string_view compact, const char* name) {
  const std::size_t dot = compact.find('.');
  if (dot == std::string_view::npos || dot > 4096) return "";
  std::optional<std::string> header = Base64UrlDecode(compact.substr(0, dot));
  rapidjson::Document d;
  if (!header || !json::Parse(*header, &d).ok() || !d.IsObject()) return "";
  const auto m = d.FindMember(name);
  return m != d.MemberEnd() && m->value.IsString()
             ? std::string(m->value.GetString(), m->value.GetStringLength())
             : "";
}

}  // namespace

struct KeySet::Key {
  std::string kid;
  cjose_jwk_t* jwk = nullptr;
  ~Key() {
    if (jwk != nullptr) cjose_jwk_release(jwk);
  }
};

KeySet::KeySet() = default;
KeySet::~KeySet() = default;
KeySet::KeySet(KeySet&&) noexcept = default;
KeySet& KeySet::operator=(KeySet&&) noexcept = default;

Result<KeySet> KeySet::Parse(std::string_view jwks_json) {
  rapidjson::Document d;
  json::ParseOptions po;
  po.max_bytes = 1 << 20;
  if (Status s = json::Parse(jwks_json, &d, po); !s.ok()) return s.WithContext("JWK Set: ");
  if (!d.IsObject()) return Status::InvalidArgument("JWK Set: not an object with a \"keys\" array");
  const auto keys = d.FindMember("keys");
  if (keys == d.MemberEnd() || !keys->value.IsArray())
    return Status::InvalidArgument("JWK Set: not an object with a \"keys\" array");
  KeySet set;
  for (const auto& k : keys->value.GetArray()) {
    if (!k.IsObject()) continue;
    const auto use = k.FindMember("use");
    if (use != k.MemberEnd() && use->value.IsString() &&
        std::string_view(use->value.GetString()) != "sig")
      continue;
    // Only a public key's own members go to cjose, each checked first:
    // cjose asserts (stops the process) on some malformed base64url.
    std::optional<std::string> clean = PublicJwk(k);
    if (!clean) continue;
    cjose_err err;
    cjose_jwk_t* jwk = cjose_jwk_import(clean->data(), clean->size(), &err);
    if (jwk == nullptr) continue;
    const cjose_jwk_kty_t kty = cjose_jwk_get_kty(jwk, &err);
    if (kty != CJOSE_JWK_KTY_RSA && kty != CJOSE_JWK_KTY_EC) {  // never a shared secret
      cjose_jwk_release(jwk);
      continue;
    }
    auto key = std::make_unique<Key>();
    key->jwk = jwk;
    const char* kid = cjose_jwk_get_kid(jwk, &err);
    key->kid = kid != nullptr ? kid : "";
    set.keys_.push_back(std::move(key));
  }
  if (set.keys_.empty()) return Status::InvalidArgument("JWK Set: no RSA or EC signing key");
  return set;
}

bool KeySet::Has(std::string_view kid) const {
  return std::any_of(keys_.begin(), keys_.end(), [&](const auto& k) { return k->kid == kid; });
}

std::size_t KeySet::size() const {
  return keys_.size();
}

std::string KidOf(std::string_view compact) {
  return HeaderMember(compact, "kid");
}

Result<std::string> KeySet::Verify(std::string_view compact) const {
  if (compact.size() > 64 * 1024 || std::count(compact.begin(), compact.end(), '.') != 2)
    return Status::Unauthenticated("ID token: not a compact JWS");
  // The algorithm first, from the header decoded here: "none" and HMACs are
  // refused by name, whatever else is wrong.
  const std::string alg = HeaderMember(compact, "alg");
  if (std::find(std::begin(kAllowedAlgs), std::end(kAllowedAlgs), alg) == std::end(kAllowedAlgs))
    return Status::Unauthenticated(fmt::format("ID token: algorithm '{}' is not allowed", alg));
  // Three parts of base64url, checked here: cjose asserts (stops the process)
  // on some malformed ones. A length of 1 mod 4 is no base64 at all.
  std::string_view rest = compact;
  for (int i = 0; i < 3; ++i) {
    const std::size_t dot = rest.find('.');
    const std::string_view part = rest.substr(0, dot);
    if (!IsBase64Url(part) || part.size() % 4 == 1)
      return Status::Unauthenticated("ID token: not a compact JWS");
    rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
  }
  cjose_err err;
  cjose_jws_t* jws = cjose_jws_import(compact.data(), compact.size(), &err);
  if (jws == nullptr) return Status::Unauthenticated("ID token: not a compact JWS");
  struct Release {
    cjose_jws_t* j;
    ~Release() { cjose_jws_release(j); }
  } release{jws};
  cjose_header_t* header = cjose_jws_get_protected(jws);
  // cjose's own reading of the header must agree (no second "alg" it reads differently).
  const char* cjose_alg =
      header != nullptr ? cjose_header_get(header, CJOSE_HDR_ALG, &err) : nullptr;
  if (cjose_alg == nullptr || alg != cjose_alg)
    return Status::Unauthenticated("ID token: the header's algorithm is ambiguous");
  const char* kid_c = cjose_header_get(header, CJOSE_HDR_KID, &err);
  const std::string kid = kid_c != nullptr ? kid_c : "";
  const Key* key = nullptr;
  for (const auto& k : keys_) {
    if (k->kid == kid || (kid.empty() && keys_.size() == 1)) key = k.get();
  }
  if (key == nullptr)
    return Status::Unauthenticated(fmt::format("ID token: no provider key '{}'", kid));
  if (!cjose_jws_verify(jws, key->jwk, &err))
    return Status::Unauthenticated("ID token: the signature does not verify");
  uint8_t* plain = nullptr;
  size_t plain_len = 0;
  if (!cjose_jws_get_plaintext(jws, &plain, &plain_len, &err))
    return Status::Unauthenticated("ID token: no payload");
  return std::string(reinterpret_cast<const char*>(plain), plain_len);
}

}  // namespace interdict::sso
