#!/usr/bin/env bash
# The sandbox from a shell, with curl only: token, send with a callback to the built-in receiver,
# advance the manual clock, read the callback and the request journal.
#   SANDBOX_URL=http://127.0.0.1:8080 bash examples/curl/send-and-callback.sh
set -euo pipefail
URL="${SANDBOX_URL:-http://127.0.0.1:8080}"
INBOX="curl-$$-$RANDOM"

# an isolated account with a manual clock and fresh credentials
account=$(curl -fsS -X POST "$URL/_sandbox/accounts" -H 'content-type: application/json' -d '{"clock":"manual"}')
field () { sed -E "s/.*\"$1\":\"([^\"]+)\".*/\\1/" <<<"$2"; }
ACCOUNT=$(field accountId "$account")
APP=$(field applicationId "$account")
SECRET=$(field applicationSecret "$account")

TOKEN=$(field access_token "$(curl -fsS -u "$APP:$SECRET" -d grant_type=client_credentials "$URL/oauth/token")")

sent=$(curl -fsS "$URL/failover" -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d "{
  \"flow\": [{\"type\": \"Sms\", \"from\": \"YourBrand\", \"to\": \"+306900000200\", \"message\": {\"body\": \"Your code is 1234\"}, \"order\": 1}],
  \"callback\": {\"strategy\": \"OnCompletion\", \"url\": \"$URL/_sandbox/webhooks/$INBOX\"}
}")
TRACKING=$(field trackingId "$sent")
echo "sent $TRACKING"

curl -fsS -X POST "$URL/_sandbox/clock/advance" -H "x-sandbox-account: $ACCOUNT" -H 'content-type: application/json' -d '{"until":"idle"}' >/dev/null

for _ in $(seq 1 100); do
  arrivals=$(curl -fsS "$URL/_sandbox/webhooks/$INBOX")
  [ "$arrivals" != "[]" ] && break
  sleep 0.05
done
grep -q "\"trackingId\":\"$TRACKING\"" <<<"$arrivals" || { echo "no callback for $TRACKING: $arrivals" >&2; exit 1; }
grep -q '"status":"Succeeded"' <<<"$arrivals" || { echo "the callback is not Succeeded: $arrivals" >&2; exit 1; }
echo "callback received"

count=$(curl -fsS "$URL/_sandbox/requests/count?method=POST&path=/failover" -H "x-sandbox-account: $ACCOUNT")
[ "$count" = '{"count":1}' ] || { echo "expected one send in the journal: $count" >&2; exit 1; }

# a refused send is in the journal with the error the client got
status=$(curl -s -o /dev/null -w '%{http_code}' "$URL/failover" -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"flow":[]}')
[ "$status" = 400 ] || { echo "expected 400, got $status" >&2; exit 1; }
curl -fsS "$URL/_sandbox/requests?status=400&limit=1" -H "x-sandbox-account: $ACCOUNT" | grep -q 'errorCode' || { echo "the 400 is not journaled" >&2; exit 1; }
echo "ok"
