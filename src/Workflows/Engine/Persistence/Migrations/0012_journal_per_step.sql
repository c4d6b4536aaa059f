-- A step's journal lines are one row, a JSON array in the order they were written, instead of a row per line:
-- a start of a short flow wrote seven rows, each with two index entries and its own foreign-key check, and was
-- a third of a start's work in PostgreSQL (docs/BENCHMARKS.md, "Durable starts: what a start costs PostgreSQL").
-- A line is {"at", "activityId", "activityType", "event", "message"}; a key whose value is null is left out.
-- The column is json, not jsonb: the lines are only ever read back whole, so PostgreSQL keeps the text as written
-- instead of converting it on every write and back on every read.
ALTER TABLE workflow_journal RENAME TO workflow_journal_lines;
ALTER TABLE workflow_journal_lines RENAME CONSTRAINT workflow_journal_pkey TO workflow_journal_lines_pkey;
ALTER TABLE workflow_journal_lines RENAME CONSTRAINT workflow_journal_instance_id_fkey TO workflow_journal_lines_instance_id_fkey;
ALTER INDEX workflow_journal_instance RENAME TO workflow_journal_lines_instance;
ALTER SEQUENCE workflow_journal_id_seq RENAME TO workflow_journal_lines_id_seq;

CREATE TABLE workflow_journal (
    id              bigserial PRIMARY KEY,
    instance_id     text NOT NULL,          -- no foreign key, as the step's other rows (0013)
    lines           json NOT NULL
);
CREATE INDEX workflow_journal_instance ON workflow_journal (instance_id, id);

-- The lines written before become one row per instance, in their order.
INSERT INTO workflow_journal (instance_id, lines)
SELECT instance_id,
       json_agg(json_strip_nulls(json_build_object('at', at, 'activityId', activity_id, 'activityType', activity_type, 'event', event, 'message', message)) ORDER BY id)
FROM workflow_journal_lines
GROUP BY instance_id
ORDER BY min(id);

DROP TABLE workflow_journal_lines;
