#include "http/event_stream.h"

#include <gtest/gtest.h>

#include "http/client.h"

namespace interdict::http {
namespace {

TEST(EventStream, TakesWhatWasPushedAndWakesAWaitingConsumerOnce) {
  EventStream s;
  bool done = false;
  int wakes = 0;
  EXPECT_EQ(s.Take([&] { ++wakes; }, &done), "");
  EXPECT_FALSE(done);
  EXPECT_TRUE(s.Push("a"));
  EXPECT_TRUE(s.Push("b"));
  EXPECT_EQ(wakes, 1);
  EXPECT_EQ(s.Take([&] { ++wakes; }, &done), "ab");
  EXPECT_FALSE(done);
  EXPECT_EQ(wakes, 1);  // data was there: no wake registered
}

TEST(EventStream, CloseDeliversWhatIsQueuedThenEnds) {
  EventStream s;
  bool done = false;
  ASSERT_TRUE(s.Push("last"));
  s.Close();
  EXPECT_FALSE(s.Push("too late"));
  EXPECT_EQ(s.Take({}, &done), "last");
  EXPECT_FALSE(done);
  EXPECT_EQ(s.Take({}, &done), "");
  EXPECT_TRUE(done);
}

TEST(EventStream, CloseWakesAWaitingConsumer) {
  EventStream s;
  bool done = false, woken = false;
  s.Take([&] { woken = true; }, &done);
  s.Close();
  EXPECT_TRUE(woken);
}

TEST(EventStream, AConsumerTooFarBehindIsCutOff) {
  EventStream s(10);
  EXPECT_TRUE(s.Push("12345"));
  EXPECT_FALSE(s.Push("1234567"));  // would exceed 10 bytes queued
  EXPECT_TRUE(s.closed());
  bool done = false;
  EXPECT_EQ(s.Take({}, &done), "");
  EXPECT_TRUE(done);
}

TEST(ParseUrl, SplitsSchemeHostPortAndTarget) {
  Result<Url> u = ParseUrl("https://cad.example.org:8443/hooks/lpr?x=1");
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "cad.example.org");
  EXPECT_EQ(u->port, 8443);
  EXPECT_EQ(u->target, "/hooks/lpr?x=1");
  u = ParseUrl("http://127.0.0.1");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->target, "/");
  u = ParseUrl("http://[::1]:9000/a");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, 9000);
}

TEST(ParseUrl, RefusesWhatItCannotUse) {
  for (const char* bad : {"ftp://x/", "http://", "http://:80/", "http://h:0/", "http://h:99999/",
                          "http://user:pw@h/", "cad.example.org/hook", "http://[::1/"}) {
    EXPECT_FALSE(ParseUrl(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace interdict::http
