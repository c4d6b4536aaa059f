-- The index of bookmarks by event name holds only event bookmarks, the only ones looked up by name
-- (FindEventBookmarksAsync asks for kind = 'Event'): a task's or a timer's bookmark, which every start and most
-- steps write, no longer adds an entry to it (docs/BENCHMARKS.md, "Durable starts: what a start costs PostgreSQL").
DROP INDEX IF EXISTS workflow_bookmarks_event;
CREATE INDEX workflow_bookmarks_event ON workflow_bookmarks (name, correlation_id) WHERE kind = 'Event';
