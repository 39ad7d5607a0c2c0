"""The sandbox from Python, standard library only (unittest + urllib).

Start a sandbox first (manual clock), then:
    SANDBOX_URL=http://127.0.0.1:8080 python3 -m unittest examples/python/test_sandbox.py
"""
import base64
import json
import os
import time
import unittest
import urllib.error
import urllib.request

URL = os.environ.get("SANDBOX_URL", "http://127.0.0.1:8080").rstrip("/")
TO = "+306900000200"  # +306900000VSC: S=0, the SMS is delivered


def call(method, path, body=None, headers=None, form=False):
    """One HTTP call: (status, parsed JSON or text, headers: case-insensitive .get)."""
    data = None
    headers = dict(headers or {})
    if body is not None:
        data = body.encode() if form else json.dumps(body).encode()
        headers["content-type"] = "application/x-www-form-urlencoded" if form else "application/json"
    request = urllib.request.Request(URL + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as res:
            status, raw, got = res.status, res.read().decode(), res.headers
    except urllib.error.HTTPError as err:
        status, raw, got = err.code, err.read().decode(), err.headers
    try:
        return status, json.loads(raw), got
    except ValueError:
        return status, raw, got


class SandboxTest(unittest.TestCase):
    def setUp(self):
        # an isolated account with a manual clock: fresh credentials, its own journal and faults
        status, account, _ = call("POST", "/_sandbox/accounts", {"clock": "manual"})
        self.assertEqual(status, 200, account)
        self.account = {"x-sandbox-account": account["accountId"]}
        basic = base64.b64encode(f"{account['applicationId']}:{account['applicationSecret']}".encode()).decode()
        status, token, _ = call("POST", "/oauth/token", "grant_type=client_credentials", {"authorization": "Basic " + basic}, form=True)
        self.assertEqual(status, 200, token)
        self.auth = {"authorization": "Bearer " + token["access_token"]}
        self.inbox = "/_sandbox/webhooks/python-" + account["accountId"]

    def send(self, headers=None):
        body = {
            "flow": [{"type": "Sms", "from": "YourBrand", "to": TO, "message": {"body": "Your code is 1234"}, "order": 1}],
            "callback": {"strategy": "OnCompletion", "url": URL + self.inbox},
        }
        return call("POST", "/failover", body, {**self.auth, **(headers or {})})

    def test_send_advance_callback(self):
        status, answer, _ = self.send()
        self.assertEqual(status, 200, answer)
        status, advanced, _ = call("POST", "/_sandbox/clock/advance", {"until": "idle"}, self.account)
        self.assertEqual(status, 200, advanced)
        arrivals = []
        for _ in range(100):  # the callback is posted over HTTP: poll the receiver briefly
            _, arrivals, _ = call("GET", self.inbox)
            if arrivals:
                break
            time.sleep(0.05)
        self.assertEqual(len(arrivals), 1)
        self.assertEqual(arrivals[0]["json"]["trackingId"], answer["trackingId"])
        self.assertEqual(arrivals[0]["json"]["status"], "Succeeded")
        _, count, _ = call("GET", "/_sandbox/requests/count?method=POST&path=/failover&body=%2B306900000200", headers=self.account)
        self.assertEqual(count, {"count": 1})

    def test_429_then_retry(self):
        status, body, headers = self.send({"x-sandbox-fault": "429;retryAfter=2"})
        self.assertEqual(status, 429, body)
        self.assertEqual(headers.get("Retry-After"), "2")
        self.assertEqual(body["type"], "TooManyRequests")
        status, _, _ = self.send()
        self.assertEqual(status, 200)
        _, journal, _ = call("GET", "/_sandbox/requests?path=/failover", headers=self.account)
        self.assertEqual([entry["status"] for entry in journal], [200, 429])
        self.assertEqual(journal[1]["fault"], {"source": "header", "status": 429, "retryAfter": 2})


if __name__ == "__main__":
    unittest.main()
