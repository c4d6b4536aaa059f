-- Cron triggers of published definitions (an Elsa.Cron with customProperties.canStartWorkflow): one row per
-- trigger activity, with the next occurrence to start an instance at. Written in the transaction that publishes,
-- retracts or deletes the definition; claimed by every host's timer pump with FOR UPDATE SKIP LOCKED.
CREATE TABLE workflow_trigger_schedules (
    definition_id           text NOT NULL,
    activity_id             text NOT NULL,
    definition_version_id   text NOT NULL REFERENCES workflow_definitions (id) ON DELETE CASCADE,
    cron_expression         text NOT NULL,
    next_due_at             timestamptz NOT NULL,
    PRIMARY KEY (definition_id, activity_id)
);
CREATE INDEX workflow_trigger_schedules_due ON workflow_trigger_schedules (next_due_at);
