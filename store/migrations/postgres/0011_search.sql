-- Search (callboard.SearchStore): one row per searchable document (an
-- entity, a TechDocs section, a template) with the columns that filter and
-- rank it, and its words as a tsvector under a GIN index. callboard splits
-- the words itself (CJK text into characters and pairs of characters) and
-- writes the tsvector with positions and weights (A names, B title, C
-- keywords, D text), so no text search configuration is involved.
-- search_terms lists the latin words seen, for matching misspellings.
CREATE TABLE search_documents (
	id        TEXT PRIMARY KEY,
	type      TEXT NOT NULL,
	entity    TEXT NOT NULL,
	kind      TEXT NOT NULL,
	owner     TEXT NOT NULL,
	name_key  TEXT NOT NULL,
	title_key TEXT NOT NULL,
	alt_key   TEXT NOT NULL,
	version   TEXT NOT NULL,
	document  TEXT NOT NULL,
	words     TSVECTOR NOT NULL
);
CREATE INDEX search_documents_entity ON search_documents (entity, type);
CREATE INDEX search_documents_words ON search_documents USING GIN (words);
CREATE TABLE search_terms (term TEXT PRIMARY KEY);
