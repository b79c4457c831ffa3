-- `newswatch incidents split` records in incident_history.split_from (0010) which incident a split
-- one came from; the resolver looks that up before merging two incidents, so no report merges a
-- split pair again. Few versions are splits: a partial index keeps the look-up off the table.
CREATE INDEX incident_history_split_from ON incident_history (split_from) WHERE split_from IS NOT NULL;
