"""Signs a few requests with botocore, an independent SigV4/SigV2 implementation, and stores them as
fixtures the verifier must accept. Run from this folder: python3 generate.py (needs botocore)."""
import base64
import datetime
import hashlib
import hmac
import json
from unittest import mock
from urllib.parse import urlsplit

import botocore
from botocore.auth import SigV2Auth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
WHEN = datetime.datetime(2026, 11, 28, 19, 22, 33, tzinfo=datetime.timezone.utc)
ENDPOINT = "https://127.0.0.1:9443"


def parts(prepared, note):
    url = urlsplit(prepared.url)
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    # A header value goes on the wire as the UTF-8 bytes botocore signed; it is stored as Node hands it
    # over, one character per byte (Latin-1).
    headers = [[name, (value.encode("utf-8") if isinstance(value, str) else value).decode("latin-1")]
               for name, value in prepared.headers.items()]
    # The HTTP client adds Host on the wire (botocore signs it from the URL), and Content-Length when
    # botocore has not.
    headers.append(["Host", url.netloc])
    if not any(name.lower() == "content-length" for name, _ in headers):
        headers.append(["Content-Length", str(len(body))])
    return {
        "note": note,
        "method": prepared.method,
        "rawPath": url.path or "/",
        "rawQuery": url.query,
        "rawHeaders": headers,
        "bodyBase64": base64.b64encode(body).decode("ascii"),
    }


def sigv4(name, auth, method, url, data=None, headers=None, token=None):
    request = AWSRequest(method=method, url=url, data=data, headers=headers or {})
    with mock.patch("botocore.auth.get_current_datetime", return_value=WHEN.replace(tzinfo=None)):
        auth.add_auth(request)
    return {"name": name, "accessKeyId": auth.credentials.access_key, "sessionToken": token,
            "request": parts(request.prepare(), type(auth).__name__)}


def sigv4_cases():
    plain = Credentials("AKIDEXAMPLE", SECRET)
    temporary = Credentials("ASIAEXAMPLE", SECRET, token="FwoGZXIvYXdzEXAMPLE//session+token==")
    form = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    return [
        sigv4("sns-publish-form", SigV4Auth(plain, "sns", "us-east-1"), "POST", ENDPOINT + "/",
              "Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3Aorders"
              "&Message=h%C3%A9llo%20world%20%2B%20%2A", form),
        sigv4("sns-session-token", SigV4Auth(temporary, "sns", "us-east-1"), "POST", ENDPOINT + "/",
              "Action=ListTopics&Version=2010-03-31", form, token=temporary.token),
        sigv4("kms-generate-data-key", SigV4Auth(plain, "kms", "us-east-1"), "POST", ENDPOINT + "/",
              json.dumps({"KeyId": "alias/orders", "KeySpec": "AES_256"}),
              {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "TrentService.GenerateDataKey"}),
        # botocore signs the query exactly as written, so it is written the canonical way (%20, bare ~).
        sigv4("odd-path-and-query", SigV4Auth(plain, "sns", "us-east-1"), "GET",
              ENDPOINT + "/a%20b/./c//d%2Fe/?b=2&a=1&a=0&empty=&sp=x%20y&t=~&u=%E2%82%AC", None,
              {"X-Custom": "  spaced    out  "}),
        sigv4("presigned-get", SigV4QueryAuth(plain, "sns", "us-east-1", expires=900), "GET",
              ENDPOINT + "/?Action=ListTopics&Version=2010-03-31"),
        # Header values beyond ASCII: botocore signs their UTF-8 bytes, and those bytes are sent.
        sigv4("utf8-header-values", SigV4Auth(plain, "sns", "us-east-1"), "POST", ENDPOINT + "/",
              "Action=ListTopics&Version=2010-03-31",
              {**form, "X-Note": "h\u00e9llo \u20ac \u00e0 \U0001f600", "X-Latin": "caf\u00e9"}),
        # Query values beyond ASCII, percent-encoded as UTF-8.
        sigv4("utf8-query-values", SigV4Auth(plain, "sns", "us-east-1"), "GET",
              ENDPOINT + "/?Action=Publish&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A000000000000%3Aorders"
              "&Message=h%C3%A9llo%20%E2%82%AC%20%F0%9F%98%80"),
        # botocore's presigner moves a POST's form into the query string and sends an empty body.
        sigv4("presigned-post", SigV4QueryAuth(plain, "sns", "us-east-1", expires=900), "POST", ENDPOINT + "/",
              {"Action": "Publish", "Version": "2010-03-31", "TopicArn": "arn:aws:sns:us-east-1:000000000000:orders",
               "Message": "h\u00e9llo \u20ac"}),
    ]


def sigv2(name, method, params, signature_method="HmacSHA256", token=None):
    credentials = Credentials("AKIDEXAMPLE", SECRET, token=token)
    request = AWSRequest(method=method, url=ENDPOINT + "/", data=dict(params) if method == "POST" else None,
                         params=dict(params) if method == "GET" else {})
    with mock.patch("botocore.auth.time.gmtime", return_value=WHEN.timetuple()):
        SigV2Auth(credentials).add_auth(request)
    if signature_method == "HmacSHA1":
        # botocore only signs with HmacSHA256; its string to sign is the same, so re-sign it with SHA-1.
        signed = request.data if method == "POST" else request.params
        signed["SignatureMethod"] = "HmacSHA1"
        del signed["Signature"]
        qs, _ = SigV2Auth(credentials).calc_signature(request, signed)
        string_to_sign = "%s\n%s\n%s\n%s" % (method, urlsplit(request.url).netloc, "/", qs)
        signed["Signature"] = base64.b64encode(
            hmac.new(SECRET.encode(), string_to_sign.encode(), hashlib.sha1).digest()).decode()
    prepared = request.prepare()
    fixture = parts(prepared, "SigV2Auth " + signature_method)
    if method == "POST":
        fixture["formParams"] = [[k, str(v)] for k, v in request.data.items()]
    return {"name": name, "accessKeyId": credentials.access_key, "sessionToken": token, "request": fixture}


def sigv2_cases():
    return [
        sigv2("sigv2-post-publish", "POST", {"Action": "Publish", "Version": "2010-03-31",
                                             "TopicArn": "arn:aws:sns:us-east-1:000000000000:orders",
                                             "Message": "h\u00e9llo world + *~"}),
        sigv2("sigv2-get-list-topics", "GET", {"Action": "ListTopics", "Version": "2010-03-31"}),
        sigv2("sigv2-post-hmacsha1", "POST", {"Action": "ListTopics", "Version": "2010-03-31"}, "HmacSHA1"),
        sigv2("sigv2-session-token", "POST", {"Action": "ListTopics", "Version": "2010-03-31"},
              token="FwoGZXIvYXdzEXAMPLE//session+token=="),
    ]


if __name__ == "__main__":
    common = {"generator": "botocore " + botocore.__version__, "now": WHEN.isoformat().replace("+00:00", "Z"),
              "secretAccessKey": SECRET, "region": "us-east-1"}
    for file, cases in (("sigv4.json", sigv4_cases()), ("sigv2.json", sigv2_cases())):
        with open(file, "w") as out:
            json.dump({**common, "cases": cases}, out, indent=2, ensure_ascii=False)
            out.write("\n")
