-- Free-text search of the incidents page (newswatch web, ?q=) with a trigram index where PostgreSQL
-- has pg_trgm (a contrib extension: the machine's server usually has it, the embedded one does not;
-- without it the search still works, by scanning). The indexed expression is exactly the one the
-- web searches (ops/web/queries.py, Filters.where): the planner matches it through the view.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        RAISE NOTICE 'pg_trgm is not available: free-text search of incidents will scan';
        RETURN;
    END IF;
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE 'may not create extension pg_trgm: free-text search of incidents will scan';
        RETURN;
    END;
    EXECUTE $index$
        CREATE INDEX incidents_text_trgm ON incidents USING gin ((
            coalesce(location, '') || ' ' || coalesce(country_code, '') || ' ' || category || ' ' ||
            event_type || ' ' || coalesce(perpetrator, '') || ' ' || coalesce(claimed_by, '')
        ) gin_trgm_ops) WHERE merged_into IS NULL
    $index$;
END
$$;
