-- Timers are claimed by due time in batches (FOR UPDATE SKIP LOCKED) by every host's timer pump.
-- The partial index holds only bookmarks with a due time, ordered as they are claimed, and carries
-- the instance id so a claim reads nothing but the index and the rows it locks.
DROP INDEX IF EXISTS workflow_bookmarks_due;
CREATE INDEX workflow_bookmarks_due_claim ON workflow_bookmarks (due_at, id) INCLUDE (instance_id) WHERE due_at IS NOT NULL;
