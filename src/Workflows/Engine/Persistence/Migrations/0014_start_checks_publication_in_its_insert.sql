-- A start checks that its version is still the published one in the WHERE of its instance row's INSERT (an EXISTS the
-- statement plans with the INSERT) instead of in a statement of its own calling workflow_require_published: one
-- statement and one PL/pgSQL call fewer per start (docs/BENCHMARKS.md, "Durable starts: what a start costs PostgreSQL").
-- This function is called only when the version is not published, to fail the start with SQLSTATE WF001.
-- workflow_require_published stays for hosts of the previous release during an upgrade.
CREATE FUNCTION workflow_not_published(version_id text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'workflow definition version % is not the published one', version_id USING ERRCODE = 'WF001';
END
$$;
