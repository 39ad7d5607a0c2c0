-- The request journal (sandbox.md "Test levers"): every request to the emulated API, whatever its answer.
-- No foreign key to accounts: a request is recorded in the account it names, even one that does not exist
-- (X-Sandbox-Account: nobody), and a deleted account's journal goes with DELETE /_sandbox/requests or pruning.
CREATE TABLE requests (
  id INTEGER PRIMARY KEY,
  account_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  real_at INTEGER NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  status INTEGER,
  duration_ms REAL NOT NULL,
  request_headers TEXT NOT NULL,
  request_body TEXT,
  response_body TEXT,
  tracking_id TEXT,
  error_code TEXT,
  fault TEXT
);
CREATE INDEX requests_account ON requests(account_id, id DESC);
CREATE INDEX requests_tracking ON requests(account_id, tracking_id) WHERE tracking_id IS NOT NULL;

-- The receiver's inboxes (POST /_sandbox/webhooks/{name}): one namespace for the whole sandbox, since a
-- callback arrives with no account of its own.
CREATE TABLE inbox (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  at INTEGER NOT NULL,
  method TEXT NOT NULL,
  headers TEXT NOT NULL,
  content_type TEXT,
  body TEXT NOT NULL,
  size INTEGER NOT NULL,
  truncated INTEGER NOT NULL
);
CREATE INDEX inbox_name ON inbox(name, id);
CREATE INDEX inbox_at ON inbox(at);
