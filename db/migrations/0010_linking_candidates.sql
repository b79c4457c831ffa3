-- Linking on evidence: candidates are the live incidents that share a retrieval key (a place, a
-- person, a group, a site named early in a report) with the report, within a wide window of days,
-- in any country and type. Two indexes answer that without a scan: a GIN index on the keys and a
-- btree on the day; the planner ANDs their bitmaps.

-- The day an incident is matched on: its event day, or failing that the day it was first reported.
ALTER TABLE incidents ADD COLUMN match_day date
    GENERATED ALWAYS AS (COALESCE(occurred_on, (first_reported_at AT TIME ZONE 'UTC')::date)) STORED;
ALTER TABLE incidents ADD COLUMN match_keys text[] NOT NULL DEFAULT '{}';

-- Incidents made before this migration get the keys their signature gives (places and names).
UPDATE incidents SET match_keys = ARRAY(
    SELECT k FROM (
        SELECT jsonb_array_elements_text(COALESCE(signature -> 'places', '[]'::jsonb)) AS k
        UNION ALL
        SELECT jsonb_array_elements_text(COALESCE(signature -> 'names', '[]'::jsonb))) keys
    WHERE length(k) >= 4 LIMIT 160);

CREATE INDEX incidents_match_keys ON incidents USING gin (match_keys) WHERE merged_into IS NULL;
CREATE INDEX incidents_match_day ON incidents (match_day) WHERE merged_into IS NULL;
-- Superseded: candidates are no longer sought by country and category.
DROP INDEX IF EXISTS incidents_candidates;
DROP INDEX IF EXISTS incidents_country_day;
CREATE INDEX incidents_country ON incidents (country_code) WHERE merged_into IS NULL;

-- A report moved out of an incident by `newswatch incidents split` records where it came from;
-- a split incident's first version says so.
ALTER TABLE incident_history DROP CONSTRAINT incident_history_reason_check;
ALTER TABLE incident_history ADD CONSTRAINT incident_history_reason_check
    CHECK (reason IN ('new', 'toll_update', 'revised_down', 'claim', 'location_refined', 'type_changed',
                      'perpetrator', 'merge', 'update', 'split'));
ALTER TABLE incident_history ADD COLUMN split_from bigint REFERENCES incidents (id);
