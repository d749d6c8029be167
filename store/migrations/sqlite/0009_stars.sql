-- Stars (callboard.StarStore): the entities each user starred, both as
-- lowercased canonical refs. at is Unix seconds.
CREATE TABLE stars (
	user_ref   TEXT NOT NULL,
	entity_ref TEXT NOT NULL,
	at         BIGINT NOT NULL,
	PRIMARY KEY (user_ref, entity_ref)
);
