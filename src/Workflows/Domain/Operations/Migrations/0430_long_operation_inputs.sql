-- What a long operation was asked to do, stored with it when it starts, so that its background job can
-- run on any host, and again after a restart. job_id is the background job running it; while the job
-- exists the operation belongs to the job scheduler, not to the host that started it.
-- (A table of its own: long_operations is created by a later-numbered script.)
CREATE TABLE long_operation_inputs (
    operation_id bigint PRIMARY KEY,
    kind         text NOT NULL,
    input        jsonb NOT NULL,
    job_id       text
);
