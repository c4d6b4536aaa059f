-- Where each definition version came from: a file of workflows-json (imported) or a person (pages, API).
CREATE TABLE definition_version_sources (
    version_id    text PRIMARY KEY,
    definition_id text NOT NULL,
    source        text NOT NULL CHECK (source IN ('file', 'person', 'system')),
    file_path     text,
    user_id       text NOT NULL,
    user_name     text NOT NULL,
    at            timestamptz NOT NULL
);

CREATE INDEX definition_version_sources_definition ON definition_version_sources (definition_id);

-- The content hash of the file each definition was last imported from, so a start-up whose files did not
-- change reads this table once and imports nothing.
CREATE TABLE definition_file_imports (
    definition_id text PRIMARY KEY,
    file_path     text NOT NULL,
    content_hash  text NOT NULL,
    outcome       text NOT NULL CHECK (outcome IN ('published', 'unchanged', 'kept')),
    version       integer,
    at            timestamptz NOT NULL
);
