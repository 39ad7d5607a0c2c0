-- Issue 15, "100k flows" (bench/README.md):
-- the flow row no longer carries the request JSON (about 550 bytes of the seed example) that every change of
-- the flow rewrote with it: the request, written once, lives beside it; the flow row is small and stays hot.
CREATE TABLE flow_requests (
  flow_id TEXT PRIMARY KEY REFERENCES flows(id) ON DELETE CASCADE,
  request TEXT NOT NULL
);
INSERT INTO flow_requests (flow_id, request) SELECT id, request FROM flows;
ALTER TABLE flows DROP COLUMN request;

-- due events were indexed by flow for one query only: the callback attempts a restart looks for
-- (store/callbacks.ts, pendingWithoutEvent); every delivery, seen and ttl event paid for that index
DROP INDEX due_events_flow;
CREATE INDEX due_events_callback ON due_events(flow_id) WHERE kind = 'callback.attempt';
