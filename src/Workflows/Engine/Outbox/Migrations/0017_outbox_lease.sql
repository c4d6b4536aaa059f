-- A claim's lease in a column of its own. A claim used to move next_attempt_at, the key of the due index, so it wrote a
-- new entry into every index of the table; now it changes only columns no index reads, which PostgreSQL writes as a
-- HOT update when the row's page has room for the new version. Half of each page is left free
-- for that: every row is rewritten at least twice (claim, outcome), so the room is used, not wasted (after 20,000
-- deliveries the table was no larger than before; docs/BENCHMARKS.md, "The outbox's claims"). A row claimed before
-- this script keeps its lease in next_attempt_at, which is still honoured.
ALTER TABLE outbox_messages ADD COLUMN leased_until timestamptz;
ALTER TABLE outbox_messages SET (fillfactor = 50);
