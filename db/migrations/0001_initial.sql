-- The initial schema: feeds, articles (with revisions), reports, incidents and their versions.
-- Views live in db/views/ and are re-applied after every migrate.

CREATE TABLE feeds (
    id              bigserial PRIMARY KEY,
    url             text        NOT NULL,
    url_key         text        NOT NULL UNIQUE,          -- normalised URL: the duplicate check
    name            text,
    interval_s      integer     NOT NULL DEFAULT 300 CHECK (interval_s > 0),
    paused          boolean     NOT NULL DEFAULT false,
    etag            text,
    last_modified   text,
    next_poll_at    timestamptz NOT NULL DEFAULT now(),
    claimed_until   timestamptz,                          -- a poller's lease on the feed
    last_polled_at  timestamptz,
    last_status     text,                                 -- ok, not_modified, error, ...
    last_http_status integer,
    error_count     integer     NOT NULL DEFAULT 0,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feeds_due ON feeds (next_poll_at) WHERE NOT paused;

-- One row per article (a page seen in one or more feeds). Its current text is the latest revision.
CREATE TABLE articles (
    id              bigserial PRIMARY KEY,
    url             text        NOT NULL,
    url_key         text        NOT NULL UNIQUE,          -- normalised URL: dedup across feeds
    guid            text,
    feed_id         bigint      REFERENCES feeds (id) ON DELETE SET NULL,
    title           text,
    published_at    timestamptz,
    entry_updated   text,                                 -- the feed entry's updated stamp, as given
    fetched_at      timestamptz,
    language        text,
    text            text,
    content_hash    text,
    revision        integer     NOT NULL DEFAULT 0,       -- 0: no text yet; 1, 2, ... as the text changes
    -- new: page not fetched yet; pending: text stored, extraction not finished;
    -- extracted: report stored, resolution not finished; resolved / no_incident: done; failed: gave up.
    status          text        NOT NULL DEFAULT 'new'
                    CHECK (status IN ('new', 'pending', 'extracted', 'resolved', 'no_incident', 'failed')),
    failure_reason  text,
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    enqueued_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX articles_guid ON articles (guid) WHERE guid IS NOT NULL;
CREATE INDEX articles_status ON articles (status, next_attempt_at);
CREATE INDEX articles_feed ON articles (feed_id);

CREATE TABLE article_revisions (
    article_id      bigint      NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    revision        integer     NOT NULL,
    title           text,
    text            text        NOT NULL,
    content_hash    text        NOT NULL,
    published_at    timestamptz,
    fetched_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (article_id, revision)
);

-- Incidents: one row per real-world event, holding its current headline fields.
CREATE TABLE incidents (
    id              bigserial PRIMARY KEY,
    version         integer     NOT NULL DEFAULT 1,
    merged_into     bigint      REFERENCES incidents (id),
    category        text        NOT NULL,
    event_type      text        NOT NULL,
    location        text,
    country_code    text,
    occurred_on     date,
    killed          integer,
    killed_qualifier text,
    killed_min      integer,
    killed_max      integer,
    killed_as_of    timestamptz,                           -- publish time of the report behind `killed`
    injured         integer,
    injured_qualifier text,
    injured_min     integer,
    injured_max     integer,
    injured_as_of   timestamptz,
    perpetrator     text,
    claimed_by      text,
    historical      boolean     NOT NULL DEFAULT false,
    signature       jsonb       NOT NULL DEFAULT '{}'::jsonb,  -- matching material (names, shingles)
    first_reported_at timestamptz NOT NULL DEFAULT now(),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX incidents_candidates ON incidents (category, country_code, occurred_on) WHERE merged_into IS NULL;

-- The facts one article revision gives about one incident it reports (ordinal 0: its main one).
CREATE TABLE reports (
    id              bigserial PRIMARY KEY,
    article_id      bigint      NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    revision        integer     NOT NULL,
    ordinal         integer     NOT NULL DEFAULT 0,
    is_primary      boolean     NOT NULL DEFAULT true,
    category        text        NOT NULL,
    event_type      text        NOT NULL,
    location        text,
    country_code    text,
    occurred_on     date,
    killed          integer,
    killed_qualifier text,
    injured         integer,
    injured_qualifier text,
    perpetrator     text,
    claimed_by      text,
    historical      boolean     NOT NULL DEFAULT false,
    published_at    timestamptz,
    facts           jsonb       NOT NULL,                  -- the whole extraction, evidence included
    incident_id     bigint      REFERENCES incidents (id),
    resolved_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (article_id, revision, ordinal)
);
CREATE INDEX reports_incident ON reports (incident_id);

-- Every state an incident has been in, with what caused the change (served by the view incident_versions).
CREATE TABLE incident_history (
    incident_id     bigint      NOT NULL REFERENCES incidents (id),
    version         integer     NOT NULL,
    valid_from      timestamptz NOT NULL DEFAULT now(),
    category        text        NOT NULL,
    event_type      text        NOT NULL,
    location        text,
    country_code    text,
    occurred_on     date,
    killed          integer,
    killed_qualifier text,
    injured         integer,
    injured_qualifier text,
    perpetrator     text,
    claimed_by      text,
    changed_fields  text[]      NOT NULL DEFAULT '{}',
    reason          text        NOT NULL
                    CHECK (reason IN ('new', 'toll_update', 'revised_down', 'claim', 'location_refined',
                                      'type_changed', 'perpetrator', 'merge', 'update')),
    report_id       bigint      REFERENCES reports (id) ON DELETE SET NULL,
    article_id      bigint      REFERENCES articles (id) ON DELETE SET NULL,
    quote           text,
    PRIMARY KEY (incident_id, version)
);
