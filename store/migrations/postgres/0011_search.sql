-- Search (callboard.SearchStore): one row per searchable document (an
-- entity, a TechDocs section, a template) with the columns that filter and
-- rank it, and its words as tsvectors under GIN indexes: all of them
-- (words), those of the names, title and keywords (key_words) and of the
-- names and title (names_words), so that the match tiers are plain matches
-- that need no recheck of the row. callboard splits the words itself (CJK
-- text into characters and pairs of characters) and writes the tsvectors
-- with positions and weights (A names, B title, C keywords, D text), so no
-- text search configuration is involved. The documents as the API returns
-- them are apart (search_bodies), so that counting matches reads narrow
-- rows; they are read only for the page of hits shown.
-- search_terms lists the latin words seen, for matching misspellings.
CREATE TABLE search_documents (
	id          TEXT PRIMARY KEY,
	type        TEXT NOT NULL,
	entity      TEXT NOT NULL,
	kind        TEXT NOT NULL,
	owner       TEXT NOT NULL,
	-- Compared byte by byte, as prefixes are (nextPrefix).
	name_key    TEXT COLLATE "C" NOT NULL,
	title_key   TEXT COLLATE "C" NOT NULL,
	alt_key     TEXT COLLATE "C" NOT NULL,
	version     TEXT NOT NULL,
	words       TSVECTOR NOT NULL,
	key_words   TSVECTOR NOT NULL,
	names_words TSVECTOR NOT NULL
);
CREATE INDEX search_documents_entity ON search_documents (entity, type);
CREATE INDEX search_documents_words ON search_documents USING GIN (words);
CREATE INDEX search_documents_key_words ON search_documents USING GIN (key_words);
CREATE INDEX search_documents_names_words ON search_documents USING GIN (names_words);
-- Names, titles and display names that equal or start with the term
-- rank first: found by these, not by reading every match.
CREATE INDEX search_documents_name ON search_documents (name_key);
CREATE INDEX search_documents_title ON search_documents (title_key);
CREATE INDEX search_documents_alt ON search_documents (alt_key);
CREATE TABLE search_bodies (
	id       TEXT PRIMARY KEY,
	document TEXT NOT NULL
);
CREATE TABLE search_terms (term TEXT PRIMARY KEY);
