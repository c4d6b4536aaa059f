-- The day a recurring obligation was met (a coordination meeting held, an inspection made), as
-- typed by the person recording it; occurrence_year stays its ROC year, for older records too.
ALTER TABLE milestone_progress ADD COLUMN occurred_on date;

-- Agency filters match part of a name, and the plan writes some names in more than one way:
-- 臺 and 台 (法務部（臺高檢）), and 衛生福利部 beside its short form 衛福部. Both the names and
-- the text searched for go through this function, so either spelling finds both.
CREATE FUNCTION milestone_agency_key(name text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT replace(translate(name, '臺', '台'), '衛生福利部', '衛福部') $$;
