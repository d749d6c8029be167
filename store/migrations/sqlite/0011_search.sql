-- Search (callboard.SearchStore): one row per searchable document (an
-- entity, a TechDocs section, a template) with the columns that filter and
-- rank it, and its words in an FTS5 index. The words are split by callboard
-- (CJK text into characters and pairs of characters), so the index stores
-- them as they come; search_fts holds no copy of the text (contentless).
-- search_terms lists the latin words seen, for matching misspellings.
CREATE TABLE search_documents (
	rowid     INTEGER PRIMARY KEY,
	id        TEXT NOT NULL UNIQUE,
	type      TEXT NOT NULL,
	entity    TEXT NOT NULL,
	kind      TEXT NOT NULL,
	owner     TEXT NOT NULL,
	name_key  TEXT NOT NULL,
	title_key TEXT NOT NULL,
	alt_key   TEXT NOT NULL,
	version   TEXT NOT NULL
);
CREATE INDEX search_documents_entity ON search_documents (entity, type);
-- Names, titles and display names that equal or start with the term
-- rank first: found by these, not by reading every match.
CREATE INDEX search_documents_name ON search_documents (name_key);
CREATE INDEX search_documents_title ON search_documents (title_key);
CREATE INDEX search_documents_alt ON search_documents (alt_key);
-- The documents as the API returns them, apart so that matching reads
-- narrow rows; read only for the page of hits shown.
CREATE TABLE search_bodies (
	rowid    INTEGER PRIMARY KEY,
	document TEXT NOT NULL
);
CREATE VIRTUAL TABLE search_fts USING fts5(names, title, keywords, body,
	content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0', prefix='2 3');
CREATE TABLE search_terms (term TEXT PRIMARY KEY) WITHOUT ROWID;
