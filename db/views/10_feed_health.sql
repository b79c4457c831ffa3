-- Per feed: how its polling goes.
CREATE OR REPLACE VIEW feed_health AS
SELECT f.id              AS feed_id,
       f.url,
       f.last_polled_at,
       f.last_status,
       f.error_count,
       f.last_error,
       f.next_poll_at,
       f.name,
       f.paused,
       f.last_http_status,
       f.interval_s
FROM feeds f;
