-- Requests for more information (請求補充資料): the agency holding a routed task asks the agency that
-- started the case, which answers once. The question and the answer are free text that only those two
-- agencies read; emails about them carry the case number, the task and a link, never the text.
CREATE TABLE information_requests (
    id                   text PRIMARY KEY,
    task_id              text NOT NULL,          -- an engine task (human_tasks); asking checks it is pending
    case_id              text NOT NULL REFERENCES cases (id),
    asking_agency_id     text NOT NULL,
    asked_by             text NOT NULL,          -- account id
    asked_by_name        text NOT NULL,          -- account name, as the page shows it
    question             text NOT NULL CHECK (length(question) BETWEEN 1 AND 1000),
    asked_at             timestamptz NOT NULL,
    answering_agency_id  text NOT NULL,
    answer               text CHECK (length(answer) BETWEEN 1 AND 1000),
    answered_by          text,
    answered_by_name     text,
    answered_at          timestamptz,
    -- Answered means all of the answer's columns, and only once (the update requires answered_at IS NULL).
    CHECK ((answer IS NULL) = (answered_at IS NULL) AND (answer IS NULL) = (answered_by IS NULL) AND (answer IS NULL) = (answered_by_name IS NULL))
);
CREATE INDEX information_requests_task ON information_requests (task_id, asked_at);
CREATE INDEX information_requests_case ON information_requests (case_id, asked_at);
CREATE INDEX information_requests_open ON information_requests (answering_agency_id, asked_at) WHERE answered_at IS NULL;
