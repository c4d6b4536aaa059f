-- The cases routed to each agency, in the case list's order (newest first, then by id), so that the list reads every
-- reason an agency sees a case from an index already in that order and merges them (PostgresCaseStore.VisibleIds):
-- page 227 asked for by its number then walks 11,300 index entries of each reason once, with no hash and no sort,
-- instead of hashing the cases of the agency's 10,600 tasks against all cases (docs/BENCHMARKS-pages.md).
--
-- A row says "a task of this case was routed to this agency"; it is kept by the triggers below in the transaction that
-- writes the task (or the case), so it holds exactly when such a task exists, as the visibility predicate it replaces
-- (EXISTS a task with the case's id and the agency's id in its payload) said. The engine's tasks know nothing of cases:
-- the triggers belong to the cases, hang on the engine's task table (a view takes no AFTER trigger) and read the tasks
-- through the engine's view (0002_shared_views.sql), as the rest of the cases' SQL does.
CREATE TABLE case_routes (
    agency_id text NOT NULL,
    case_created_at timestamptz NOT NULL,
    case_id text NOT NULL
);
CREATE UNIQUE INDEX case_routes_agency ON case_routes (agency_id, case_created_at DESC, case_id);

INSERT INTO case_routes (agency_id, case_created_at, case_id)
SELECT DISTINCT t.payload->>'agencyId', c.created_at, c.id
FROM human_tasks t JOIN cases c ON c.id = t.payload->>'caseId'
WHERE t.payload->>'agencyId' IS NOT NULL;

-- Tasks of a case that exists: a routing after the case's first step (escalation, follow-up, a child workflow's task).
-- Each task's case is looked up by its key (a subquery per task): a join planned without the transition table's size
-- hashed the cases instead, 0.2 ms for every statement that writes tasks, most of them a start's whose case comes later.
CREATE FUNCTION case_routes_of_new_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO case_routes (agency_id, case_created_at, case_id)
    SELECT DISTINCT r.agency_id, r.case_created_at, r.case_id
    FROM (SELECT t.payload->>'agencyId' AS agency_id, t.payload->>'caseId' AS case_id,
                 (SELECT c.created_at FROM cases c WHERE c.id = t.payload->>'caseId') AS case_created_at
          FROM new_tasks t WHERE t.payload->>'agencyId' IS NOT NULL) r
    WHERE r.case_created_at IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER case_routes_of_new_tasks AFTER INSERT ON workflow_tasks
    REFERENCING NEW TABLE AS new_tasks FOR EACH STATEMENT EXECUTE FUNCTION case_routes_of_new_tasks();

-- A new case whose first step's tasks were written before it in the same transaction (a notification's start writes
-- the engine's rows, then the case).
CREATE FUNCTION case_routes_of_new_cases() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO case_routes (agency_id, case_created_at, case_id)
    SELECT DISTINCT t.payload->>'agencyId', n.created_at, n.id
    FROM new_cases n JOIN human_tasks t ON t.payload->>'caseId' = n.id
    WHERE t.payload->>'agencyId' IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER case_routes_of_new_cases AFTER INSERT ON cases
    REFERENCING NEW TABLE AS new_cases FOR EACH STATEMENT EXECUTE FUNCTION case_routes_of_new_cases();

-- Tasks deleted with their ended instance: the route goes when no task of the case is left routed to the agency.
CREATE FUNCTION case_routes_of_deleted_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM case_routes r
    USING (SELECT DISTINCT o.payload->>'agencyId' AS agency_id, o.payload->>'caseId' AS case_id FROM old_tasks o) g
    WHERE r.agency_id = g.agency_id AND r.case_id = g.case_id
      AND r.case_created_at = (SELECT c.created_at FROM cases c WHERE c.id = g.case_id)
      AND NOT EXISTS (SELECT 1 FROM human_tasks t WHERE t.payload->>'caseId' = g.case_id AND t.payload->>'agencyId' = g.agency_id);
    RETURN NULL;
END
$$;
CREATE TRIGGER case_routes_of_deleted_tasks AFTER DELETE ON workflow_tasks
    REFERENCING OLD TABLE AS old_tasks FOR EACH STATEMENT EXECUTE FUNCTION case_routes_of_deleted_tasks();

-- The other reasons' indexes in the list's order too (created_at newest first, then id), so the merge needs no sort:
-- read forwards for the list, backwards for a page reached through its "before" cursor.
DROP INDEX cases_origin;
CREATE INDEX cases_origin ON cases (origin_agency_id, created_at DESC, id);
DROP INDEX cases_school;
CREATE INDEX cases_school ON cases (school_id, created_at DESC, id) WHERE school_id IS NOT NULL;
DROP INDEX cases_county;
CREATE INDEX cases_county ON cases (county, created_at DESC, id) WHERE county IS NOT NULL;
