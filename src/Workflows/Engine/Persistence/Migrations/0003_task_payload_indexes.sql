-- Tasks are looked up by the agency and the case their payload names: the inbox (ListTasksForAgencyAsync)
-- and who may see a case. Databases created before the engine owned these indexes got them from the
-- cases' scripts (0400, 0402), hence IF NOT EXISTS.
CREATE INDEX IF NOT EXISTS workflow_tasks_agency ON workflow_tasks ((payload->>'agencyId'), status, created_at);
CREATE INDEX IF NOT EXISTS workflow_tasks_case ON workflow_tasks ((payload->>'caseId'));
CREATE INDEX IF NOT EXISTS workflow_tasks_agency_case ON workflow_tasks ((payload->>'agencyId'), (payload->>'caseId'));
