-- incidents_as_of(T): what was known at time T, with incidents_current's columns. Each incident as it
-- stood then (its latest version that became known by T); incidents first known after T, and those
-- merged into another by T, are absent. Built from the views alone (SECURITY INVOKER), so
-- newswatch_reader may call it. A plain SQL function: the planner inlines it, so
-- `SELECT * FROM incidents_as_of(T) ORDER BY updated_at DESC LIMIT 50` walks an index from T down.
--
-- It returns SETOF incidents_current: a column added to that view must be added below too, in the
-- same place (until it is, migrate fails here with "return type mismatch"; tests/integration/
-- test_incidents_as_of.py checks that as of now it returns exactly what incidents_current holds).
CREATE OR REPLACE FUNCTION incidents_as_of(at timestamptz) RETURNS SETOF incidents_current
LANGUAGE sql STABLE PARALLEL SAFE AS $$
SELECT v.incident_id,
       v.version,
       v.category,
       v.event_type,
       v.location,
       v.country_code,
       v.occurred_on,
       v.killed,
       v.injured,
       v.perpetrator,
       v.claimed_by,
       (SELECT count(DISTINCT s.article_id) FROM incident_articles s
        WHERE s.incident_id = v.incident_id AND s.linked_at <= at) AS report_count,
       COALESCE((SELECT min(s.published_at) FROM incident_articles s
                 WHERE s.incident_id = v.incident_id AND s.linked_at <= at),
                (SELECT f.valid_from FROM incident_versions f
                 WHERE f.incident_id = v.incident_id AND f.version = 1)) AS first_reported_at,
       v.valid_from AS updated_at,
       v.killed_qualifier,
       -- The range seen widens with every report, not only those that made a version.
       LEAST(v.killed_min, (SELECT min(s.killed) FROM incident_articles s
                            WHERE s.incident_id = v.incident_id AND s.linked_at <= at)) AS killed_min,
       GREATEST(v.killed_max, (SELECT max(s.killed) FROM incident_articles s
                               WHERE s.incident_id = v.incident_id AND s.linked_at <= at)) AS killed_max,
       v.injured_qualifier,
       LEAST(v.injured_min, (SELECT min(s.injured) FROM incident_articles s
                             WHERE s.incident_id = v.incident_id AND s.linked_at <= at)) AS injured_min,
       GREATEST(v.injured_max, (SELECT max(s.injured) FROM incident_articles s
                                WHERE s.incident_id = v.incident_id AND s.linked_at <= at)) AS injured_max,
       COALESCE((SELECT c.historical FROM incidents_current c WHERE c.incident_id = v.incident_id),
                false) AS historical,
       (SELECT count(DISTINCT s.article_id) FROM incident_articles s
        WHERE s.incident_id = v.incident_id AND s.linked_at <= at AND s.copy_of_report IS NULL) AS source_count,
       -- When the figure was last reported (a newer report of the same figure moves it on).
       (SELECT max(s.published_at) FROM incident_articles s
        WHERE s.incident_id = v.incident_id AND s.linked_at <= at AND s.killed = v.killed) AS killed_as_of,
       (SELECT max(s.published_at) FROM incident_articles s
        WHERE s.incident_id = v.incident_id AND s.linked_at <= at AND s.injured = v.injured) AS injured_as_of,
       (SELECT f.valid_from FROM incident_versions f
        WHERE f.incident_id = v.incident_id AND f.version = 1) AS created_at
FROM incident_versions v
WHERE v.valid_from <= at
  -- its latest version known by then
  AND NOT EXISTS (SELECT 1 FROM incident_versions later
                  WHERE later.incident_id = v.incident_id AND later.version > v.version
                    AND later.valid_from <= at)
  -- not yet merged into another (the survivor's 'merge' version names it)
  AND NOT EXISTS (SELECT 1 FROM incident_versions m WHERE m.merged_from = v.incident_id AND m.valid_from <= at)
$$;

GRANT EXECUTE ON FUNCTION incidents_as_of(timestamptz) TO newswatch_reader;
