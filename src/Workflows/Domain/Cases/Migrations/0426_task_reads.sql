-- Which person has opened which routed task (the inbox's unread count). One row per person and task, written
-- the first time the task's page is read; a task never opened by anyone of the agency counts as unread for all.
CREATE TABLE task_reads (
    user_id  text NOT NULL,
    task_id  text NOT NULL,
    read_at  timestamptz NOT NULL,
    PRIMARY KEY (user_id, task_id)
);
