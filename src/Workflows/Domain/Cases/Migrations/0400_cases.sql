-- Cases of the notification chains. A minor's personal data is stored only encrypted
-- (subject_*_protected); everything else here is safe to count and to route on.
CREATE SEQUENCE case_number_seq;

CREATE TABLE cases (
    id                       text PRIMARY KEY,
    case_number              text NOT NULL UNIQUE,
    kind                     text NOT NULL,          -- DrugSource, ScreeningPositive, CampusSeizure, FirstTimeOffender, OutOfSchoolYouth, Military
    chain                    text NOT NULL,          -- the workflow definition that runs it
    instance_id              text NOT NULL,
    origin_agency_id         text NOT NULL,
    school_id                text,
    county                   text,
    urgent                   boolean NOT NULL,
    drug_level               integer,
    subject_name_protected   text,
    subject_class_protected  text,
    created_by               text NOT NULL,
    created_at               timestamptz NOT NULL
);
CREATE INDEX cases_origin ON cases (origin_agency_id);
CREATE INDEX cases_school ON cases (school_id);
CREATE INDEX cases_county ON cases (county, created_at);

-- The inbox and case visibility look tasks up by the agency and case they were routed for: the
-- engine's indexes (0003_task_payload_indexes.sql) serve them.
