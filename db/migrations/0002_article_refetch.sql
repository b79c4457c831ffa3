-- Pollers: an article already stored whose feed entry changed (its `updated` stamp) is fetched
-- again without losing its processing status; the page queue is every article that is new or
-- flagged for refetch, due by next_attempt_at (which doubles as the fetching poller's lease).
ALTER TABLE articles ADD COLUMN refetch boolean NOT NULL DEFAULT false;
CREATE INDEX articles_fetch_due ON articles (next_attempt_at) WHERE status = 'new' OR refetch;
-- The sweep looks for work left pending or extracted too long.
CREATE INDEX articles_sweep ON articles (status, enqueued_at) WHERE status IN ('pending', 'extracted');
