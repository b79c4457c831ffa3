-- newswatch web: indexes for what its pages ask most, and the reader role for the migrating user.

-- The incidents page: live incidents, newest change first (keyset paging on updated_at, id).
CREATE INDEX incidents_live_by_change ON incidents (updated_at DESC, id DESC) WHERE merged_into IS NULL;
-- "What was known at T" (incidents_as_of): versions by when they became known, and merges by loser.
CREATE INDEX incident_history_by_time ON incident_history (valid_from DESC, incident_id DESC);
CREATE INDEX incident_history_merged_from ON incident_history (merged_from) WHERE merged_from IS NOT NULL;

-- `newswatch web` reads as newswatch_reader (SET ROLE), so the database itself keeps it to the views.
-- The role is made here if the views have not made it yet (db/views/90_reader_role.sql makes it too).
DO $$
BEGIN
    BEGIN
        CREATE ROLE newswatch_reader NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;  -- roles are cluster-wide: another database or a concurrent migrate made it
    END;
    EXECUTE format('GRANT newswatch_reader TO %I', current_user);
END
$$;
