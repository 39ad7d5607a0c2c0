-- Issue 15: a journaled answer that belongs to a tracking id (a send's, a tracking read's) is stored in
-- a table of its own, numbered as written; the entry refers to its number. An unchanged answer (a
-- client polling a flow) is stored once and referred to by every entry that got it, as long as it is
-- one of the last 10,000 answers (src/store/journal.ts). Pruning then deletes a prefix of both tables
-- and copies nothing: migration 008's references between entries had to copy an answer into every
-- newer entry that referred to one pruned, most of what an entry cost once the journal was at its row
-- cap (bench/README.md, "Fourth pass"). Other answers (errors without a tracking id) stay in the entry.
CREATE TABLE journal_answers (
  id INTEGER PRIMARY KEY,
  body TEXT NOT NULL
);
-- an answer stored in full keeps its entry's id as its number; the entries that referred to it refer to that
INSERT INTO journal_answers (id, body) SELECT id, response_body FROM requests WHERE tracking_id IS NOT NULL AND response_body IS NOT NULL;
ALTER TABLE requests ADD COLUMN answer INTEGER;
UPDATE requests SET answer = id, response_body = NULL WHERE tracking_id IS NOT NULL AND response_body IS NOT NULL;
UPDATE requests SET answer = response_same_as WHERE response_same_as IS NOT NULL;
DROP INDEX requests_shared;
ALTER TABLE requests DROP COLUMN response_same_as;
