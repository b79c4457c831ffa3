-- newswatch_reader: the read-only role for consumers (Grafana, Metabase, notebooks). It may read
-- every view in the public schema and nothing else: no table, no write. Re-applied after every
-- migrate (last, by name), so views added later are granted too. Give it to a login role with
-- `CREATE ROLE grafana LOGIN PASSWORD '...' IN ROLE newswatch_reader`.
--
-- PostgreSQL grants PUBLIC (every role) CONNECT and TEMPORARY on each database by default, and a
-- role cannot be denied what PUBLIC holds: so PUBLIC loses TEMPORARY here (newswatch uses no
-- temporary tables; the owner keeps it), and CONNECT on the server's stock databases (postgres,
-- template1) when this role owns them, as in the embedded server, docker-compose and a server
-- kept for newswatch. Other databases of a shared server are their owners' to lock: the pg_hba.conf
-- lines in ops/deploy/README.md keep readers out of them. NOTIFY needs no privilege at all in
-- PostgreSQL, so a reader can send a message on `incident_changed`; listeners treat it as a hint
-- and confirm it (db/notify.py).
DO $$
DECLARE
    rel record;
    stock record;
BEGIN
    BEGIN
        CREATE ROLE newswatch_reader NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;  -- already there (roles are cluster-wide: another database or a concurrent migrate made it)
    END;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO newswatch_reader', current_database());
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC, newswatch_reader', current_database());
    GRANT USAGE ON SCHEMA public TO newswatch_reader;
    REVOKE ALL ON ALL TABLES IN SCHEMA public FROM newswatch_reader;
    REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM newswatch_reader;
    FOR rel IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm') LOOP
        EXECUTE format('GRANT SELECT ON %I TO newswatch_reader', rel.relname);
    END LOOP;
    FOR stock IN SELECT d.datname FROM pg_database d
                 WHERE d.datname IN ('postgres', 'template1') AND d.datdba = current_user::regrole
                   AND EXISTS (SELECT 1 FROM aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
                               WHERE a.grantee = 0 AND a.privilege_type = 'CONNECT') LOOP
        BEGIN
            EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', stock.datname);
        EXCEPTION WHEN internal_error THEN
            NULL;  -- "tuple concurrently updated": a migrate of another database is revoking it now
        END;
    END LOOP;
END
$$;
