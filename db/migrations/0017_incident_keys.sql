-- The candidate search as an inverted index with the day in it: one row per (retrieval key, match
-- day, live incident). A btree on (key, match_day) answers "incidents sharing these keys within the
-- window" from the index alone (no heap visit per incident), and counts shared keys there.
--
-- Why: the GIN index on incidents.match_keys cannot filter by day, so a common key (a big city's
-- name) made the search visit every incident ever recorded there and drop those outside the
-- window: 48 ms for the biggest city of 100,000 synthetic incidents, 7 ms with this table
-- (ops.bench.match). A trigger keeps it in step with incidents, in the same transaction.

CREATE TABLE incident_keys (
    key         text   NOT NULL,
    match_day   date   NOT NULL,
    incident_id bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    PRIMARY KEY (key, match_day, incident_id)
);
CREATE INDEX incident_keys_incident ON incident_keys (incident_id);

-- An incident's rows: its keys at its match day while it is live; none once merged.
CREATE FUNCTION incident_keys_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM incident_keys WHERE incident_id = OLD.id;
    END IF;
    IF NEW.merged_into IS NULL AND NEW.match_day IS NOT NULL THEN
        INSERT INTO incident_keys (key, match_day, incident_id)
        SELECT DISTINCT k, NEW.match_day, NEW.id FROM unnest(NEW.match_keys) k WHERE k IS NOT NULL;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER incident_keys_on_insert AFTER INSERT ON incidents
    FOR EACH ROW EXECUTE FUNCTION incident_keys_sync();
CREATE TRIGGER incident_keys_on_update AFTER UPDATE ON incidents
    FOR EACH ROW WHEN (OLD.match_keys IS DISTINCT FROM NEW.match_keys
                       OR OLD.match_day IS DISTINCT FROM NEW.match_day
                       OR OLD.merged_into IS DISTINCT FROM NEW.merged_into)
    EXECUTE FUNCTION incident_keys_sync();

INSERT INTO incident_keys (key, match_day, incident_id)
SELECT DISTINCT k, i.match_day, i.id
FROM incidents i, unnest(i.match_keys) k
WHERE i.merged_into IS NULL AND i.match_day IS NOT NULL AND k IS NOT NULL;

-- Superseded by incident_keys.
DROP INDEX IF EXISTS incidents_match_keys;
