-- What each report named, kept beside its MinHash: an incident is matched source by source (the
-- names of one report's lead and its places), not by the union of everything its sources named,
-- which grows with every linked report until any story of the city matches it.
ALTER TABLE reports ADD COLUMN match_names text[];
ALTER TABLE reports ADD COLUMN match_places text[];
