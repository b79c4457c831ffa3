-- The consumers' API for incidents. Columns may be added, never renamed.
CREATE OR REPLACE VIEW incidents_current AS
SELECT i.id              AS incident_id,
       i.version,
       i.category,
       i.event_type,
       i.location,
       i.country_code,
       i.occurred_on,
       i.killed,
       i.injured,
       i.perpetrator,
       i.claimed_by,
       (SELECT count(DISTINCT r.article_id) FROM reports r WHERE r.incident_id = i.id) AS report_count,
       i.first_reported_at,
       i.updated_at,
       i.killed_qualifier,
       i.killed_min,
       i.killed_max,
       i.injured_qualifier,
       i.injured_min,
       i.injured_max,
       i.historical,
       -- Syndicated copies of one article count once.
       (SELECT count(DISTINCT r.article_id) FROM reports r
        WHERE r.incident_id = i.id AND r.copy_of IS NULL) AS source_count,
       i.killed_as_of,
       i.injured_as_of,
       i.created_at
FROM incidents i
WHERE i.merged_into IS NULL;

CREATE OR REPLACE VIEW incident_versions AS
SELECT h.incident_id,
       h.version,
       h.valid_from,
       h.killed,
       h.injured,
       h.category,
       h.event_type,
       h.location,
       h.country_code,
       h.occurred_on,
       h.perpetrator,
       h.claimed_by,
       h.changed_fields,
       h.reason,
       a.url             AS article_url,
       h.quote,
       h.article_id,
       h.report_id,
       h.killed_qualifier,
       h.injured_qualifier,
       h.killed_min,
       h.killed_max,
       h.injured_min,
       h.injured_max,
       h.merged_from,
       h.split_from
FROM incident_history h
LEFT JOIN articles a ON a.id = h.article_id;

CREATE OR REPLACE VIEW incident_articles AS
SELECT r.incident_id,
       r.article_id,
       a.url             AS article_url,
       COALESCE(r.published_at, a.published_at) AS published_at,
       r.killed,
       r.injured,
       r.revision,
       r.id              AS report_id,
       r.copy_of         AS copy_of_report,
       r.resolution,
       r.claimed_by,
       a.title,
       r.resolved_at     AS linked_at       -- when the report joined the incident (incidents_as_of)
FROM reports r
JOIN articles a ON a.id = r.article_id
WHERE r.incident_id IS NOT NULL;
