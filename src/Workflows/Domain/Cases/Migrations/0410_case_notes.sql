-- Notes an agency writes when it completes a routed task (說明，僅貴單位可見): free text kept out of the
-- workflow's variables (which administrators browse) and stored encrypted with Data Protection, like a
-- minor's name. Only the agency that wrote a note reads it back.
CREATE TABLE case_notes (
    id              text PRIMARY KEY,
    case_id         text,                   -- the task's case (cases.id); null for a task that serves no case
    task_id         text NOT NULL,
    task_name       text NOT NULL,
    agency_id       text NOT NULL,          -- the agency that wrote it, the only one that reads it
    written_by      text NOT NULL,          -- account id, or agency-system:<agency> for a callback
    note_protected  text NOT NULL,
    written_at      timestamptz NOT NULL
);
CREATE INDEX case_notes_case_agency ON case_notes (case_id, agency_id, written_at);
