-- Money is stored in micro-units of the account currency (1 EUR = 1000000); times are epoch ms.
-- Sandbox times (created_at, due_at, status_at…) are on the owning account's clock.

CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  balance INTEGER NOT NULL,
  currency TEXT NOT NULL,
  prices TEXT NOT NULL,
  next_seq INTEGER NOT NULL DEFAULT 1,
  clock_mode TEXT NOT NULL,
  clock_scale REAL NOT NULL,
  clock_base_sandbox INTEGER NOT NULL,
  clock_base_real INTEGER NOT NULL,
  scenarios TEXT NOT NULL DEFAULT '[]',
  seed TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE applications (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  secret TEXT NOT NULL,
  scopes TEXT NOT NULL,
  token_lifetime INTEGER NOT NULL
);
CREATE INDEX applications_account ON applications(account_id);

CREATE TABLE access_tokens (
  token TEXT PRIMARY KEY,
  application_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  scopes TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX access_tokens_expiry ON access_tokens(expires_at);
CREATE INDEX access_tokens_account ON access_tokens(account_id);

CREATE TABLE senders (
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  name TEXT NOT NULL,
  active INTEGER NOT NULL,
  PRIMARY KEY (account_id, id)
) WITHOUT ROWID;

CREATE TABLE templates (
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  sender_id TEXT NOT NULL,
  name TEXT NOT NULL,
  category TEXT NOT NULL,
  languages TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, id)
) WITHOUT ROWID;

CREATE TABLE flows (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  application_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  status_code TEXT,
  termination_channel TEXT,
  total_price INTEGER NOT NULL DEFAULT 0,
  current_step INTEGER NOT NULL DEFAULT -1,
  request TEXT NOT NULL,
  outcomes TEXT NOT NULL,
  warnings TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  created_real INTEGER NOT NULL
);
CREATE INDEX flows_account_created ON flows(account_id, created_at DESC, id DESC);
CREATE INDEX flows_account_status ON flows(account_id, status, created_at DESC);

CREATE TABLE flow_steps (
  flow_id TEXT NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  type TEXT NOT NULL,
  to_number TEXT NOT NULL,
  PRIMARY KEY (flow_id, idx)
) WITHOUT ROWID;
CREATE INDEX flow_steps_to ON flow_steps(to_number);
CREATE INDEX flow_steps_type ON flow_steps(type, flow_id);

CREATE TABLE messages (
  id TEXT PRIMARY KEY,
  flow_id TEXT NOT NULL REFERENCES flows(id) ON DELETE CASCADE,
  account_id TEXT NOT NULL,
  step_idx INTEGER NOT NULL,
  channel TEXT NOT NULL,
  to_number TEXT NOT NULL,
  status TEXT NOT NULL,
  detailed_status TEXT NOT NULL,
  description TEXT NOT NULL,
  status_at INTEGER NOT NULL,
  final INTEGER NOT NULL DEFAULT 0,
  price INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  data TEXT NOT NULL,
  cleared INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE INDEX messages_flow ON messages(flow_id, step_idx);
CREATE INDEX messages_account ON messages(account_id, created_at DESC);

CREATE TABLE message_history (
  id INTEGER PRIMARY KEY,
  message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  status TEXT NOT NULL,
  detailed_status TEXT NOT NULL,
  note TEXT,
  at INTEGER NOT NULL
);
CREATE INDEX message_history_message ON message_history(message_id, id);

-- Every future change is a row: the clock only wakes the scheduler (sandbox.md "Time").
CREATE TABLE due_events (
  id INTEGER PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  due_at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  flow_id TEXT,
  message_id TEXT,
  payload TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX due_events_account_due ON due_events(account_id, due_at, id);
CREATE INDEX due_events_flow ON due_events(flow_id);
