-- Articles by their cleaned text's hash: a report's article whose exact text another article
-- published earlier (a syndicated copy fetched or resolved before its original) speaks as of the
-- earliest publication of that text (resolver.REPORTS_WITH_TEXT, report_as_of).
CREATE INDEX articles_content_hash ON articles (content_hash) WHERE content_hash IS NOT NULL;
