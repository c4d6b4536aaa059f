-- The workflow engine's tables. One step of an instance writes its row, bookmarks, tasks,
-- journal and outbox rows in one transaction.

CREATE TABLE workflow_definitions (
    id              text PRIMARY KEY,               -- one version of a definition
    definition_id   text NOT NULL,
    version         integer NOT NULL,
    name            text NOT NULL,
    is_published    boolean NOT NULL DEFAULT false,
    is_latest       boolean NOT NULL DEFAULT false,
    document        jsonb NOT NULL,                 -- the Elsa-shaped JSON, kept whole for export
    created_at      timestamptz NOT NULL,
    published_at    timestamptz,
    retracted_at    timestamptz,
    UNIQUE (definition_id, version)
);
CREATE UNIQUE INDEX workflow_definitions_one_latest ON workflow_definitions (definition_id) WHERE is_latest;
CREATE UNIQUE INDEX workflow_definitions_one_published ON workflow_definitions (definition_id) WHERE is_published;

CREATE TABLE workflow_instances (
    id                      text PRIMARY KEY,
    definition_id           text NOT NULL,
    definition_version_id   text NOT NULL REFERENCES workflow_definitions (id),
    version                 integer NOT NULL,
    status                  text NOT NULL,
    correlation_id          text,
    fault                   text,
    state                   jsonb NOT NULL,
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    finished_at             timestamptz
);
CREATE INDEX workflow_instances_status ON workflow_instances (status, updated_at);
CREATE INDEX workflow_instances_definition ON workflow_instances (definition_id, created_at DESC);
CREATE INDEX workflow_instances_correlation ON workflow_instances (correlation_id) WHERE correlation_id IS NOT NULL;

CREATE TABLE workflow_bookmarks (
    id              text PRIMARY KEY,
    instance_id     text NOT NULL REFERENCES workflow_instances (id) ON DELETE CASCADE,
    activity_id     text NOT NULL,
    kind            text NOT NULL,                  -- Timer, Event, Task
    name            text NOT NULL,
    correlation_id  text,
    due_at          timestamptz,
    task_id         text,
    payload         jsonb,
    created_at      timestamptz NOT NULL
);
CREATE INDEX workflow_bookmarks_instance ON workflow_bookmarks (instance_id);
CREATE INDEX workflow_bookmarks_event ON workflow_bookmarks (kind, name, correlation_id);
CREATE INDEX workflow_bookmarks_due ON workflow_bookmarks (due_at) WHERE due_at IS NOT NULL;

CREATE TABLE workflow_tasks (
    id              text PRIMARY KEY,
    instance_id     text NOT NULL REFERENCES workflow_instances (id) ON DELETE CASCADE,
    bookmark_id     text NOT NULL,
    activity_id     text NOT NULL,
    task_name       text NOT NULL,
    payload         jsonb,
    status          text NOT NULL,                  -- Pending, Completed, Cancelled
    created_at      timestamptz NOT NULL,
    closed_at       timestamptz,
    result          jsonb
);
CREATE INDEX workflow_tasks_pending ON workflow_tasks (status, created_at);
CREATE INDEX workflow_tasks_instance ON workflow_tasks (instance_id);

CREATE TABLE workflow_journal (
    id              bigserial PRIMARY KEY,
    instance_id     text NOT NULL REFERENCES workflow_instances (id) ON DELETE CASCADE,
    at              timestamptz NOT NULL,
    activity_id     text,
    activity_type   text,
    event           text NOT NULL,
    message         text
);
CREATE INDEX workflow_journal_instance ON workflow_journal (instance_id, id);

CREATE TABLE outbox_messages (
    id                  uuid PRIMARY KEY,
    instance_id         text,
    kind                text NOT NULL,              -- email, http, event
    idempotency_key     text NOT NULL UNIQUE,
    payload             jsonb NOT NULL,
    status              text NOT NULL DEFAULT 'Pending',   -- Pending, Sent, DeadLettered, Dropped
    attempts            integer NOT NULL DEFAULT 0,
    next_attempt_at     timestamptz NOT NULL,
    last_error          text,
    created_at          timestamptz NOT NULL,
    sent_at             timestamptz
);
CREATE INDEX outbox_messages_due ON outbox_messages (next_attempt_at) WHERE status = 'Pending';
