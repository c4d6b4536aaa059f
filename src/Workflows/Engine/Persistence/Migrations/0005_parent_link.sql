-- A sub-workflow's link to the instance that started it (Elsa.ExecuteWorkflow, Elsa.DispatchWorkflow, a
-- definition used as an activity): the parent instance, the parent's activity, and when the parent waits
-- to hear of the child (Completion, Idle, or null when it does not wait or has been told already).
ALTER TABLE workflow_instances
    ADD COLUMN parent_instance_id text,
    ADD COLUMN parent_activity_id text,
    ADD COLUMN parent_waits text;
CREATE INDEX workflow_instances_parent ON workflow_instances (parent_instance_id, created_at) WHERE parent_instance_id IS NOT NULL;
