-- A start checks, in the same implicit transaction as its writes, that the version it ran is still the published one
-- (the host compiles a published version once and keeps it; see docs/ENGINE.md, "Starting on the published version").
-- A version is named by its id and its creation time: ids are numbered per definition, so a definition deleted and
-- created again (on any host) reuses them with other content. SQLSTATE WF001 tells the host to look again.
CREATE FUNCTION workflow_require_published(version_id text, version_created_at timestamptz) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM workflow_definitions WHERE id = version_id AND is_published AND created_at = version_created_at) THEN
        RAISE EXCEPTION 'workflow definition version % is not the published one', version_id USING ERRCODE = 'WF001';
    END IF;
END
$$;
