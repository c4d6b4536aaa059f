-- The case list reads an agency's cases as a union of one index lookup per reason to see a case
-- (PostgresCaseStore.VisibleIds). Each index on cases carries created_at and id, so a branch reads
-- only the index; the engine's task index by agency and case (0003_task_payload_indexes.sql) finds every
-- case routed to an agency, whatever the task's status.
DROP INDEX cases_origin;
CREATE INDEX cases_origin ON cases (origin_agency_id, created_at, id);
DROP INDEX cases_school;
CREATE INDEX cases_school ON cases (school_id, created_at, id) WHERE school_id IS NOT NULL;
DROP INDEX cases_county;
CREATE INDEX cases_county ON cases (county, created_at, id) WHERE county IS NOT NULL;
