-- The case list's branch for cases routed to the viewer (PostgresCaseStore.VisibleIds) stops at the page's
-- end: with the cases in list order (created_at, id, read backwards) PostgreSQL walks them newest first and
-- probes the task index by case for each, instead of reading every task the agency ever had (10,600 for a
-- liaison office over ten years) and hashing all cases. docs/BENCHMARKS-pages.md has the plans.
CREATE INDEX IF NOT EXISTS cases_created ON cases (created_at, id);
