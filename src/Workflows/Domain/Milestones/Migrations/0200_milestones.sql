-- The action plan's milestones per cycle (a four-year plan loaded once, e.g. cycle 2017), their
-- progress records, and the reminders already sent, which make each reminder go out once.

CREATE TABLE milestone_cycles (
    id                  text PRIMARY KEY,               -- e.g. 2017, 2021
    title               text NOT NULL,
    document_roc_year   integer NOT NULL,
    from_roc_year       integer NOT NULL,
    until_roc_year      integer NOT NULL,
    shifted_from        text REFERENCES milestone_cycles (id),
    loaded_at           timestamptz NOT NULL
);

CREATE TABLE milestone_items (
    cycle_id        text NOT NULL REFERENCES milestone_cycles (id) ON DELETE CASCADE,
    item_id         text NOT NULL,                  -- stable across cycles, e.g. prevention-1-2
    ordinal         integer NOT NULL,               -- the plan's order, for reports
    work_group      text NOT NULL,                  -- 工作分組
    section         text NOT NULL,
    strategy        text NOT NULL,
    number          text,
    action          text NOT NULL,
    schedule_text   text NOT NULL,
    schedule        jsonb NOT NULL,                 -- RocScheduleStep[]
    first_due_at    timestamptz,                    -- earliest deadline step, for filtering
    last_due_at     timestamptz,
    lead_agencies   text[] NOT NULL,
    co_agencies     text[] NOT NULL,
    note            text,
    status          text NOT NULL,                  -- NotStarted, InProgress, Done
    status_note     text,
    status_by       text,
    status_at       timestamptz,
    PRIMARY KEY (cycle_id, item_id)
);
CREATE INDEX milestone_items_due ON milestone_items (cycle_id, first_due_at);

CREATE TABLE milestone_progress (
    id              bigserial PRIMARY KEY,
    cycle_id        text NOT NULL,
    item_id         text NOT NULL,
    recorded_at     timestamptz NOT NULL,
    recorded_by     text NOT NULL,
    status          text NOT NULL,
    note            text,
    occurrence_year integer,                        -- ROC year a recurring obligation was met once in
    FOREIGN KEY (cycle_id, item_id) REFERENCES milestone_items (cycle_id, item_id) ON DELETE CASCADE
);
CREATE INDEX milestone_progress_item ON milestone_progress (cycle_id, item_id, id);

CREATE TABLE milestone_reminders (
    reminder_key    text PRIMARY KEY,               -- cycle/item/step/kind, or cycle/digest/week
    cycle_id        text NOT NULL,
    item_id         text,
    kind            text NOT NULL,                  -- before-30, before-7, before-1, overdue, digest
    outcome         text NOT NULL,                  -- Sent, Skipped
    reason          text,
    late            boolean NOT NULL,
    planned_at      timestamptz NOT NULL,
    fired_at        timestamptz NOT NULL
);
CREATE INDEX milestone_reminders_item ON milestone_reminders (cycle_id, item_id);
