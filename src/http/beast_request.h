// Beast's request message → Request: shared by the connection (session.h) and
// ParseWireRequest (wire.cc). Private to the http component.
#pragma once

#include <string>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/message.h"

namespace interdict::http {

Request ToRequest(boost::beast::http::request<boost::beast::http::string_body>&& msg,
                  std::string remote_address);

}  // namespace interdict::http
