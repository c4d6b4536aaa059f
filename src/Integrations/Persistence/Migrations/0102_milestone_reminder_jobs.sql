-- The background job that sends each planned milestone reminder, so planning again (at every start,
-- after every change of a cycle) adds only what is missing and cancels the jobs of items that are done.
-- Whether a reminder went out is milestone_reminders' business; this table only says what is queued.
CREATE TABLE IF NOT EXISTS milestone_reminder_jobs (
    cycle_id    text NOT NULL,
    point_name  text NOT NULL,
    job_id      text NOT NULL,
    planned_at  timestamptz NOT NULL,
    PRIMARY KEY (cycle_id, point_name)
);
