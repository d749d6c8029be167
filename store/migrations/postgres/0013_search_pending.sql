-- Search: a GIN index first adds new entries to a pending list, which
-- every search reads in full until a vacuum or an insert past
-- gin_pending_list_limit (4 MB by default) moves them into the index.
-- At 100,000 entities, a full list of names (some 80,000 documents'
-- words) added 30-40 ms to each search. 128 kB bounds that to about a
-- millisecond; writers move the entries in smaller batches.
ALTER INDEX search_documents_words SET (gin_pending_list_limit = 128);
ALTER INDEX search_documents_key_words SET (gin_pending_list_limit = 128);
ALTER INDEX search_documents_names_words SET (gin_pending_list_limit = 128);
