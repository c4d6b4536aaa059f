-- What other modules may read of the engine's tables, and join to their own: these views, never the
-- tables, so the tables can change behind them. They are simple views, which PostgreSQL expands into
-- the query that names them, so the tables' indexes serve such a query as before.
CREATE VIEW human_tasks AS
    SELECT id, instance_id, bookmark_id, activity_id, task_name, payload, status, created_at, closed_at, result
    FROM workflow_tasks;

CREATE VIEW instance_variables AS
    SELECT id AS instance_id, definition_id, status, correlation_id, state->'variables' AS variables
    FROM workflow_instances;
