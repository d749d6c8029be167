package callboard

import "context"

// StarStore keeps the entities each user starred, as Backstage's
// starredEntities user setting does: the "Starred" filter and home card
// read it. Users and entities are canonical refs, compared
// case-insensitively.
type StarStore interface {
	// Star marks entity starred by user; starring it again is no error.
	// Errors: Invalid (an empty user or entity), Internal.
	Star(ctx context.Context, user, entity string) error
	// Unstar removes the star; removing one that does not exist is no
	// error. Errors: Internal.
	Unstar(ctx context.Context, user, entity string) error
	// Starred returns the refs user starred, lowercased and sorted.
	// Errors: Internal.
	Starred(ctx context.Context, user string) ([]string, error)
}
