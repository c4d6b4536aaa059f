-- The index of tasks by (agency, case) goes: every lookup it served is served as well by one of the two others on the
-- task's payload. A case's visibility to an agency (EXISTS … caseId = … AND agencyId = …) finds the case's few tasks
-- through workflow_tasks_case; the agency's cases (caseId of the tasks WHERE agencyId = …) read the agency's tasks
-- through workflow_tasks_agency, whose leading key is the same, and an expression index cannot hand the caseId back
-- without the row either way. Each task written no longer adds an entry to it (docs/BENCHMARKS.md, "Durable starts:
-- what a start costs PostgreSQL").
DROP INDEX IF EXISTS workflow_tasks_agency_case;
