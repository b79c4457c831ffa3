-- newswatch_reader: the read-only role for consumers (Grafana, Metabase, notebooks). It may read
-- every view in the public schema and nothing else: no table, no write. Re-applied after every
-- migrate (last, by name), so views added later are granted too. Give it to a login role with
-- `CREATE ROLE grafana LOGIN PASSWORD '...' IN ROLE newswatch_reader`.
DO $$
DECLARE
    rel record;
BEGIN
    BEGIN
        CREATE ROLE newswatch_reader NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;  -- already there (roles are cluster-wide: another database or a concurrent migrate made it)
    END;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO newswatch_reader', current_database());
    GRANT USAGE ON SCHEMA public TO newswatch_reader;
    REVOKE ALL ON ALL TABLES IN SCHEMA public FROM newswatch_reader;
    REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM newswatch_reader;
    FOR rel IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm') LOOP
        EXECUTE format('GRANT SELECT ON %I TO newswatch_reader', rel.relname);
    END LOOP;
END
$$;
