-- What a case's school records while 春暉小組 counselling runs: each session (date, form) and each urine re-test
-- (date, result). Who led a session, its note, and why a test was not taken are free text about a minor: stored
-- encrypted (details_protected, Data Protection, as case notes), never in the workflow's variables or in emails.
-- youth-case-followup reads the kind, date and result through the counselling-record event.
CREATE TABLE counselling_records (
    id                 text PRIMARY KEY,
    case_id            text NOT NULL REFERENCES cases (id),
    kind               text NOT NULL CHECK (kind IN ('session', 'retest')),
    occurred_on        date NOT NULL,
    session_form       text,                  -- a session's form: 個別晤談, 團體輔導, 家庭訪視, 親師座談
    result             text CHECK (result IN ('negative', 'positive', 'not-taken')),
    details_protected  text,
    agency_id          text NOT NULL,         -- the school that recorded it
    recorded_by        text NOT NULL,         -- account id
    recorded_at        timestamptz NOT NULL,
    CHECK ((kind = 'session') = (session_form IS NOT NULL)),
    CHECK ((kind = 'retest') = (result IS NOT NULL))
);
CREATE INDEX counselling_records_case ON counselling_records (case_id, occurred_on, recorded_at);
