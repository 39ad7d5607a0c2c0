-- Issue 15 ("100k flows"): the tables under a flow refer to it, and due events and history to their
-- message, by an integer key instead of the 36-character id. Each id was stored in about eighteen
-- places a flow (rows and index entries): ~650 of the ~2,400 bytes a flow took (bench/README.md).
-- The ids the API shows stay as they were, once each, in flows.id and messages.id (unique).
-- Rebuilt the SQLite way (create, copy, drop, rename), with foreign keys off while it runs
-- (src/store/database.ts checks them before the migration commits). Also, for the same reason:
-- - a message's description is not stored: it is the words of its status (src/engine/statuses.ts);
-- - a due event's kind is a small integer (src/store/events.ts: 0 message.status, 1 message.expire,
--   2 callback.attempt), and the index by message holds the message only;
-- - flows.current_step, written by nothing since round two, is not carried over.
-- JSON written from now on (requests, outcomes, message data, event payloads) is packed
-- (src/store/packed-json.ts); the rows copied here keep their plain JSON, which reads the same.

CREATE TABLE flows_new (
  fid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  application_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  status_code TEXT,
  termination_channel TEXT,
  total_price INTEGER NOT NULL DEFAULT 0,
  outcomes TEXT NOT NULL,
  warnings TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  created_real INTEGER NOT NULL
);
INSERT INTO flows_new (id, account_id, application_id, kind, status, status_code, termination_channel, total_price, outcomes,
  warnings, created_at, updated_at, created_real)
  SELECT id, account_id, application_id, kind, status, status_code, termination_channel, total_price, outcomes,
  warnings, created_at, updated_at, created_real FROM flows ORDER BY rowid;

CREATE TABLE flow_requests_new (
  fid INTEGER PRIMARY KEY REFERENCES flows_new(fid) ON DELETE CASCADE,
  request TEXT NOT NULL
);
INSERT INTO flow_requests_new (fid, request) SELECT f.fid, r.request FROM flow_requests r JOIN flows_new f ON f.id = r.flow_id;

CREATE TABLE flow_steps_new (
  fid INTEGER NOT NULL REFERENCES flows_new(fid) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  type TEXT NOT NULL,
  to_number TEXT NOT NULL,
  PRIMARY KEY (fid, idx)
) WITHOUT ROWID;
INSERT INTO flow_steps_new (fid, idx, type, to_number) SELECT f.fid, s.idx, s.type, s.to_number FROM flow_steps s JOIN flows_new f ON f.id = s.flow_id;

CREATE TABLE messages_new (
  mid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  fid INTEGER NOT NULL REFERENCES flows_new(fid) ON DELETE CASCADE,
  account_id TEXT NOT NULL,
  step_idx INTEGER NOT NULL,
  channel TEXT NOT NULL,
  to_number TEXT NOT NULL,
  status TEXT NOT NULL,
  detailed_status TEXT NOT NULL,
  status_at INTEGER NOT NULL,
  final INTEGER NOT NULL DEFAULT 0,
  price INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  data TEXT NOT NULL,
  cleared INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
INSERT INTO messages_new (id, fid, account_id, step_idx, channel, to_number, status, detailed_status, status_at, final,
  price, outcome, data, cleared, created_at)
  SELECT m.id, f.fid, m.account_id, m.step_idx, m.channel, m.to_number, m.status, m.detailed_status, m.status_at, m.final,
  m.price, m.outcome, m.data, m.cleared, m.created_at FROM messages m JOIN flows_new f ON f.id = m.flow_id ORDER BY m.rowid;

CREATE TABLE message_history_new (
  id INTEGER PRIMARY KEY,
  mid INTEGER NOT NULL REFERENCES messages_new(mid) ON DELETE CASCADE,
  status TEXT NOT NULL,
  detailed_status TEXT NOT NULL,
  note TEXT,
  at INTEGER NOT NULL
);
INSERT INTO message_history_new (id, mid, status, detailed_status, note, at)
  SELECT h.id, m.mid, h.status, h.detailed_status, h.note, h.at FROM message_history h JOIN messages_new m ON m.id = h.message_id;

-- no foreign key to flows or messages, as before: an account's events go with the account
CREATE TABLE due_events_new (
  id INTEGER PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  due_at INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  fid INTEGER,
  mid INTEGER,
  payload TEXT NOT NULL DEFAULT '{}'
);
INSERT INTO due_events_new (id, account_id, due_at, kind, fid, mid, payload)
  SELECT e.id, e.account_id, e.due_at, CASE e.kind WHEN 'message.status' THEN 0 WHEN 'message.expire' THEN 1 ELSE 2 END, f.fid, m.mid, e.payload FROM due_events e
  LEFT JOIN flows_new f ON f.id = e.flow_id LEFT JOIN messages_new m ON m.id = e.message_id
  -- a kind no handler knows (none was ever scheduled) would only have been dropped when due
  WHERE e.kind IN ('message.status', 'message.expire', 'callback.attempt');

DROP TABLE due_events;
DROP TABLE message_history;
DROP TABLE messages;
DROP TABLE flow_steps;
DROP TABLE flow_requests;
DROP TABLE flows;
ALTER TABLE flows_new RENAME TO flows;
ALTER TABLE flow_requests_new RENAME TO flow_requests;
ALTER TABLE flow_steps_new RENAME TO flow_steps;
ALTER TABLE messages_new RENAME TO messages;
ALTER TABLE message_history_new RENAME TO message_history;
ALTER TABLE due_events_new RENAME TO due_events;

CREATE INDEX flows_account_created ON flows(account_id, created_at);
CREATE INDEX flows_account_status ON flows(account_id, status, created_at);
CREATE INDEX flow_steps_to ON flow_steps(to_number);
CREATE INDEX messages_flow ON messages(fid, created_at);
CREATE INDEX messages_account ON messages(account_id, created_at DESC);
CREATE INDEX message_history_message ON message_history(mid, id);
CREATE INDEX due_events_account_due ON due_events(account_id, due_at, id);
CREATE INDEX due_events_message ON due_events(mid);
CREATE INDEX due_events_callback ON due_events(fid) WHERE kind = 2;
