package callboard

import (
	"errors"
	"fmt"
)

// Kind classifies an error by what the caller can do about it. The web layer
// maps each kind to one HTTP status and one Backstage error name.
type Kind string

// The error kinds, one per Backstage error name.
const (
	Invalid         Kind = "invalid"         // InputError, 400
	Unauthenticated Kind = "unauthenticated" // AuthenticationError, 401
	Forbidden       Kind = "forbidden"       // NotAllowedError, 403
	NotFound        Kind = "not_found"       // NotFoundError, 404
	Conflict        Kind = "conflict"        // ConflictError, 409
	Upstream        Kind = "upstream"        // ServiceUnavailableError, 503
	Internal        Kind = "internal"        // Error, 500
)

// Error is an error with a kind and a message a user may read.
type Error struct {
	Kind    Kind
	Message string
	Err     error // the cause, if any; never shown to users for Internal
}

func (e *Error) Error() string {
	if e.Err != nil && e.Message == "" {
		return e.Err.Error()
	}
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of the given kind with a formatted message.
func Errorf(kind Kind, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error of the given kind with message and cause. It returns
// nil when err is nil.
func Wrap(kind Kind, err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...), Err: err}
}

// ErrorKind returns the kind of the first *Error in err's chain, or Internal.
func ErrorKind(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// ErrorMessage returns the user-readable message of err: the full text for
// classified errors, a generic text for unclassified ones.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Kind != Internal {
		return e.Error()
	}
	return "internal error"
}
