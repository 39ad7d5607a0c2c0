-- Issue 15: a request whose answer is the same text as an earlier request's (a client polling
-- GET /failover/tracking/{id} while nothing changes) keeps a reference to that earlier row instead
-- of a copy of the ~1-2 KB answer: response_same_as is the id of a row of the same account, at most
-- a bounded number of rows older (src/store/journal.ts), whose response_body this row's answer is.
ALTER TABLE requests ADD COLUMN response_same_as INTEGER;
