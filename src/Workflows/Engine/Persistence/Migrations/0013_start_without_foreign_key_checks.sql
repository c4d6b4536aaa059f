-- A start's rows no longer check foreign keys (docs/BENCHMARKS.md, "Durable starts: what a start costs PostgreSQL").
--
-- The instance's key to its definition version locked the version's row (FOR KEY SHARE) in every start. All starts of
-- a definition lock the same row, so concurrent starts made a new MultiXact for each lock and wrote it to the WAL.
-- What the key kept is kept otherwise: a start proves its version is the published one in the INSERT of its instance
-- row (0014), and deleting a definition locks workflow_instances in SHARE mode before looking for its instances; a
-- start either commits first (and the deletion sees it and refuses) or waits for the deletion and then finds its
-- version gone.
--
-- The bookmarks' and tasks' keys to their instance ran a check per row written (the journal's rows have none since
-- 0012). These rows are written only by a step, in the step's transaction and after the instance's row; an instance is
-- deleted only with them (PostgresInstanceStore.DeleteEndedAsync, which deletes them in the same statement instead of
-- by cascade).
ALTER TABLE workflow_instances DROP CONSTRAINT IF EXISTS workflow_instances_definition_version_id_fkey;
ALTER TABLE workflow_bookmarks DROP CONSTRAINT IF EXISTS workflow_bookmarks_instance_id_fkey;
ALTER TABLE workflow_tasks DROP CONSTRAINT IF EXISTS workflow_tasks_instance_id_fkey;
