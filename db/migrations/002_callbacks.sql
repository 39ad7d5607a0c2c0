-- Callbacks (provider-api.md §6) and inbound Viber replies: each is a row created in the transaction of the
-- change that causes it; each HTTP attempt is a row too, so nothing is lost across a restart.

CREATE TABLE callbacks (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  flow_id TEXT NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL,
  url TEXT NOT NULL,
  body TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  created_at INTEGER NOT NULL,
  created_real INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX callbacks_flow ON callbacks(flow_id, seq);
CREATE INDEX callbacks_account ON callbacks(account_id, created_at DESC);
CREATE INDEX callbacks_state ON callbacks(state, finished_at);

CREATE TABLE callback_attempts (
  id INTEGER PRIMARY KEY,
  callback_id TEXT NOT NULL REFERENCES callbacks(id) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  sandbox_at INTEGER NOT NULL,
  real_at INTEGER NOT NULL,
  status INTEGER,
  error TEXT,
  latency_ms INTEGER NOT NULL
);
CREATE INDEX callback_attempts_callback ON callback_attempts(callback_id, attempt);
