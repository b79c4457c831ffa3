-- Resolution: what the resolver needs beside the initial schema.

-- Per report: the MinHash of its article's text (near-duplicate / syndication check), which
-- report it is a syndicated copy of, and what resolution decided when it linked nothing.
ALTER TABLE reports ADD COLUMN text_minhash bigint[];
ALTER TABLE reports ADD COLUMN copy_of bigint REFERENCES reports (id) ON DELETE SET NULL;
ALTER TABLE reports ADD COLUMN resolution text;   -- new, linked, copy, passing_mention, historical_unmatched

-- The range seen is kept on the version too, so a consumer reading history sees it at each step.
ALTER TABLE incident_history ADD COLUMN killed_min integer;
ALTER TABLE incident_history ADD COLUMN killed_max integer;
ALTER TABLE incident_history ADD COLUMN injured_min integer;
ALTER TABLE incident_history ADD COLUMN injured_max integer;
ALTER TABLE incident_history ADD COLUMN merged_from bigint REFERENCES incidents (id);

CREATE INDEX reports_article ON reports (article_id);
CREATE INDEX incidents_country_day ON incidents (country_code, occurred_on) WHERE merged_into IS NULL;

-- Every new version is announced on channel `incident_changed` as {"incident_id", "version",
-- "reason"}. pg_notify inside the transaction is delivered only when it commits, so a listener
-- never hears of a version it cannot read yet.
CREATE FUNCTION incident_history_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('incident_changed', json_build_object(
        'incident_id', NEW.incident_id, 'version', NEW.version, 'reason', NEW.reason)::text);
    RETURN NEW;
END
$$;

CREATE TRIGGER incident_history_notify AFTER INSERT ON incident_history
    FOR EACH ROW EXECUTE FUNCTION incident_history_notify();
