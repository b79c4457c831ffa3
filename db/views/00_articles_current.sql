-- The latest revision of each article, with its processing status.
CREATE OR REPLACE VIEW articles_current AS
SELECT a.id          AS article_id,
       a.url,
       a.title,
       a.published_at,
       a.fetched_at,
       a.status,
       a.failure_reason,
       a.text,
       a.revision,
       a.feed_id,
       a.language,
       a.attempts
FROM articles a;
