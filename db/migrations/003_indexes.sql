-- Indexes the benchmarks asked for (bench/README.md):
-- cancelling a message's pending events scanned every due event;
-- pages of flows and a flow's messages were sorted in a temporary b-tree instead of read in index order.
CREATE INDEX due_events_message ON due_events(message_id, kind);

DROP INDEX flows_account_created;
CREATE INDEX flows_account_created ON flows(account_id, created_at);
DROP INDEX flows_account_status;
CREATE INDEX flows_account_status ON flows(account_id, status, created_at);

DROP INDEX messages_flow;
CREATE INDEX messages_flow ON messages(flow_id, created_at);

-- searches by type look a flow's steps up by its primary key
DROP INDEX flow_steps_type;
