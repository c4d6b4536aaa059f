-- The agency directory as administrators import it. Every import is a new version holding the whole
-- directory; versions are never changed or deleted, so who changed the routing, when and how stays on
-- record. The latest version is the directory in force; with none, the host reads workflows-json/agencies.
CREATE TABLE agency_directory_versions (
    version            bigint PRIMARY KEY,
    imported_at        timestamptz NOT NULL,
    imported_by_user   text NOT NULL,
    imported_by_agency text NOT NULL,
    -- 'merge': the files' agencies were added to or replaced those of the previous version; 'replace': the files are the whole directory.
    mode               text NOT NULL CHECK (mode IN ('merge', 'replace')),
    source_files       text[] NOT NULL,
    agency_count       integer NOT NULL,
    -- The long operation that imported it (long_operations.id).
    operation_id       bigint REFERENCES long_operations (id)
);

-- One row per agency of a version, in the directory's order. The document is the agency in the
-- directory files' JSON form (id, name, kind, level, county, parent, emails, …); the other columns
-- repeat what a reader filters on.
CREATE TABLE agency_directory_entries (
    version     bigint NOT NULL REFERENCES agency_directory_versions (version),
    position    integer NOT NULL,
    agency_id   text NOT NULL,
    name        text NOT NULL,
    kind        text NOT NULL,
    county_code text,
    document    jsonb NOT NULL,
    PRIMARY KEY (version, position),
    UNIQUE (version, agency_id)
);
