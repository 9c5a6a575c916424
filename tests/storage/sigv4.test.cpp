// fovea's SigV4 signer gives the signatures of AWS's published test suite
// (https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html;
// "AWS Signature Version 4 Test Suite, Copyright 2017 Amazon.com, Inc. or
// its affiliates"), request by request. The suite's requests are replayed
// from its .req files, with its credentials and scope. Its normalize-path
// cases other than get-space are left out: S3 keys are never normalised
// ("a/./b" is a key of its own), so fovea does not normalise paths.
#include <catch2/catch.hpp>

#include <sstream>

#include "storage/sigv4.hpp"

using namespace fovea;

namespace {

const aws_credentials suite_credentials{
    "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
const sigv4_scope suite_scope{"us-east-1", "service"};

// A request in the suite's .req format: "METHOD PATH?QUERY HTTP/1.1", then
// "Name:value" lines (a line starting with blanks continues the value
// above as another value of that header), a blank line, the body.
sigv4_request parse_req(const std::string& text) {
  sigv4_request request;
  std::istringstream in{text};
  std::string line;
  std::getline(in, line);
  request.method = line.substr(0, line.find(' '));
  auto target = line.substr(line.find(' ') + 1);
  target = target.substr(0, target.rfind(" HTTP/1.1"));
  auto question = target.find('?');
  request.path = target.substr(0, question);
  if (question != std::string::npos) {
    std::istringstream query{target.substr(question + 1)};
    for (std::string pair; std::getline(query, pair, '&');) {
      auto equals = pair.find('=');
      request.query.emplace_back(pair.substr(0, equals),
                                 equals == std::string::npos
                                     ? std::string{}
                                     : pair.substr(equals + 1));
    }
  }
  while (std::getline(in, line) && !line.empty()) {
    if (line.front() == ' ' || line.front() == '\t') {
      request.headers.emplace_back(request.headers.back().first, line);
      continue;
    }
    auto colon = line.find(':');
    request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  std::string body{std::istreambuf_iterator<char>{in}, {}};
  request.payload_hash = sigv4_payload_hash(body);
  return request;
}

} // namespace

TEST_CASE("SigV4 signatures match AWS's test suite", "[unit]") {
  auto [name, req,
        authz] = GENERATE(table<std::string, std::string, std::string>({
      {"get-header-key-duplicate",
       "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value2\n"
       "My-Header1:value2\nMy-Header1:value1\nX-Amz-Date:20150830T123600Z",
       "SignedHeaders=host;my-header1;x-amz-date, Signature="
       "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
      {"get-header-value-multiline",
       "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value1\n"
       "  value2\n     value3\nX-Amz-Date:20150830T123600Z",
       "SignedHeaders=host;my-header1;x-amz-date, Signature="
       "ba17b383a53190154eb5fa66a1b836cc297cc0a3d70a5d00705980573d8ff790"},
      {"get-header-value-order",
       "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value4\n"
       "My-Header1:value1\nMy-Header1:value3\nMy-Header1:value2\n"
       "X-Amz-Date:20150830T123600Z",
       "SignedHeaders=host;my-header1;x-amz-date, Signature="
       "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"},
      {"get-header-value-trim",
       "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1: value1\n"
       "My-Header2: \"a   b   c\"\nX-Amz-Date:20150830T123600Z",
       "SignedHeaders=host;my-header1;my-header2;x-amz-date, Signature="
       "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
      {"get-unreserved",
       "GET "
       "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz "
       "HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z",
       "SignedHeaders=host;x-amz-date, Signature="
       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
      {"get-utf8",
       "GET /\xe1\x88\xb4 HTTP/1.1\nHost:example.amazonaws.com\n"
       "X-Amz-Date:20150830T123600Z",
       "SignedHeaders=host;x-amz-date, Signature="
       "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
      {"get-vanilla-empty-query-key",
       "GET /?Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\n"
       "X-Amz-Date:20150830T123600Z",
       "SignedHeaders=host;x-amz-date, Signature="
       "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"},
      {"get-vanilla-query-order-key-case",
       "GET /?Param2=value2&Param1=value1 HTTP/1.1\n"
       "Host:example.amazonaws.com\nX-Amz-Date:20150830T123600Z",
       "SignedHeaders=host;x-amz-date, Signature="
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"get-vanilla-query-order-key",
       "GET /?Param1=value2&Param1=Value1 HTTP/1.1\n"
       "Host:example.amazonaws.com\nX-Amz-Date:20150830T123600Z",
       "SignedHeaders=host;x-amz-date, Signature="
       "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1"},
      {"get-vanilla-query-order-value",
       "GET /?Param1=value2&Param1=value1 HTTP/1.1\n"
       "Host:example.amazonaws.com\nX-Amz-Date:20150830T123600Z",
       "SignedHeaders=host;x-amz-date, Signature="
       "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"},
      {"get-vanilla-query-unreserved",
       "GET "
       "/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
       "=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz "
       "HTTP/1.1\nHost:example.amazonaws.com\nX-Amz-Date:20150830T123600Z",
       "SignedHeaders=host;x-amz-date, Signature="
       "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
      {"get-vanilla-utf8-query",
       "GET /?\xe1\x88\xb4=bar HTTP/1.1\nHost:example.amazonaws.com\n"
       "X-Amz-Date:20150830T123600Z",
       "SignedHeaders=host;x-amz-date, Signature="
       "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
      {"get-space",
       "GET /example space/ HTTP/1.1\nHost:example.amazonaws.com\n"
       "X-Amz-Date:20150830T123600Z",
       "SignedHeaders=host;x-amz-date, Signature="
       "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"},
      {"post-header-key-sort",
       "POST / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value1\n"
       "X-Amz-Date:20150830T123600Z",
       "SignedHeaders=host;my-header1;x-amz-date, Signature="
       "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"},
      {"post-header-value-case",
       "POST / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:VALUE1\n"
       "X-Amz-Date:20150830T123600Z",
       "SignedHeaders=host;my-header1;x-amz-date, Signature="
       "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"},
      {"post-sts-header-before",
       "POST / HTTP/1.1\nHost:example.amazonaws.com\n"
       "X-Amz-Date:20150830T123600Z\nX-Amz-Security-Token:"
       "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWs"
       "KWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGd"
       "eehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlR"
       "d8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKml"
       "zm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==",
       "SignedHeaders=host;x-amz-date;x-amz-security-token, Signature="
       "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"},
      {"post-vanilla-empty-query-value",
       "POST /?Param1=value1 HTTP/1.1\nHost:example.amazonaws.com\n"
       "X-Amz-Date:20150830T123600Z",
       "SignedHeaders=host;x-amz-date, Signature="
       "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
      {"post-vanilla",
       "POST / HTTP/1.1\nHost:example.amazonaws.com\n"
       "X-Amz-Date:20150830T123600Z",
       "SignedHeaders=host;x-amz-date, Signature="
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
      {"post-x-www-form-urlencoded",
       "POST / HTTP/1.1\nContent-Type:application/x-www-form-urlencoded\n"
       "Host:example.amazonaws.com\nX-Amz-Date:20150830T123600Z\n\n"
       "Param1=value1",
       "SignedHeaders=content-type;host;x-amz-date, Signature="
       "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
      {"post-x-www-form-urlencoded-parameters",
       "POST / HTTP/1.1\nContent-Type:application/x-www-form-urlencoded; "
       "charset=utf8\nHost:example.amazonaws.com\n"
       "X-Amz-Date:20150830T123600Z\n\nParam1=value1",
       "SignedHeaders=content-type;host;x-amz-date, Signature="
       "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"},
  }));
  INFO(name);
  auto request = parse_req(req);
  CHECK(sigv4_authorization(request, suite_scope, suite_credentials) ==
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/"
        "service/aws4_request, " +
            authz);
}

TEST_CASE("SigV4's canonical request and string to sign are the suite's",
          "[unit]") {
  auto request = parse_req(
      "GET /?Param1=value2&Param1=Value1 HTTP/1.1\nHost:example.amazonaws.com\n"
      "X-Amz-Date:20150830T123600Z");
  auto canonical = sigv4_canonical_request(request);
  CHECK(canonical ==
        "GET\n/\nParam1=Value1&Param1=value2\nhost:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sigv4_string_to_sign("20150830T123600Z", suite_scope, canonical) ==
        "AWS4-HMAC-SHA256\n20150830T123600Z\n"
        "20150830/us-east-1/service/aws4_request\n"
        "704b4cef673542d84cdff252633f065e8daeba5f168b77116f8b1bcaf3d38f89");
  auto multiline = parse_req(
      "GET / HTTP/1.1\nHost:example.amazonaws.com\nMy-Header1:value1\n"
      "  value2\n     value3\nX-Amz-Date:20150830T123600Z");
  CHECK(sigv4_canonical_request(multiline) ==
        "GET\n/\n\nhost:example.amazonaws.com\n"
        "my-header1:value1,value2,value3\nx-amz-date:20150830T123600Z\n\n"
        "host;my-header1;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("S3 keys are encoded once and never normalised, and a "
          "ListObjectsV2 query is sorted and encoded",
          "[unit]") {
  CHECK(sigv4_encode("/bucket/a b/./c+d/é.png", false) ==
        "/bucket/a%20b/./c%2Bd/%C3%A9.png");
  CHECK(sigv4_encode("a/b", true) == "a%2Fb");
  CHECK(sigv4_query({{"list-type", "2"},
                     {"prefix", "fashion mnist/"},
                     {"continuation-token", "1/2+3="}}) ==
        "continuation-token=1%2F2%2B3%3D&list-type=2&prefix=fashion%20mnist"
        "%2F");
  CHECK(sigv4_amz_date(1440938160) == "20150830T123600Z");
}
