-- Issue 15: the journal's index by tracking id served no query (the list and the count test
-- "@trackingId IS NULL OR tracking_id = @trackingId", which SQLite answers by walking the account's
-- rows in id order, index or not), and every entry paid for it: its keys arrive in no order, so a
-- batch of entries touched about one page of it each. Dropping it took a journal entry from about
-- 18 to 8 µs of CPU (bench/README.md, "Third pass").
DROP INDEX requests_tracking;
