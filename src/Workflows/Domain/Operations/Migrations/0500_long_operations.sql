-- Long operations (importing the agency directory, a whole cycle's execution report) run in the
-- background of the host that started them and write their progress here as they go. That host holds
-- a session advisory lock on the operation's id while it runs, so a row still 'running' whose lock is
-- free was left by a host that died; the next host to look marks it 'interrupted'.
CREATE TABLE long_operations (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind              text NOT NULL,
    title             text NOT NULL,
    started_by_user   text NOT NULL,
    started_by_agency text NOT NULL,
    started_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    finished_at       timestamptz,
    status            text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted')),
    done              bigint NOT NULL DEFAULT 0,
    total             bigint,
    stage             text NOT NULL,
    -- Shown when the operation ends: a summary, a link onward, problems found, and data of the kind (a report).
    result            jsonb,
    -- Why it failed or was interrupted, in Traditional Chinese for the administrator.
    error             text,
    CHECK ((status = 'running') = (finished_at IS NULL))
);

CREATE INDEX long_operations_recent ON long_operations (started_at DESC);
CREATE INDEX long_operations_running ON long_operations (id) WHERE status = 'running';
