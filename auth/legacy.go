package auth

import (
	"encoding/base64"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"callboard"
)

// LegacyKey is one backend.auth.externalAccess entry of type legacy:
// Backstage's old service-to-service tokens, HS256 JWTs signed with a
// shared secret, whose sub is "backstage-server" and which carry exp.
type LegacyKey struct {
	Secret  []byte // the decoded options.secret
	Subject string // options.subject: who the caller is
}

// NewLegacyKey decodes options.secret (base64, as Backstage reads it).
// Errors: Invalid, naming the entry.
func NewLegacyKey(index int, secret, subject string) (LegacyKey, error) {
	where := fmt.Sprintf("backend.auth.externalAccess[%d].options", index)
	b, err := base64.StdEncoding.DecodeString(secret)
	if err != nil || len(b) == 0 {
		return LegacyKey{}, callboard.Errorf(callboard.Invalid, "%s.secret: not a base64 string", where)
	}
	if subject == "" {
		return LegacyKey{}, callboard.Errorf(callboard.Invalid, "%s.subject: required for type legacy", where)
	}
	return LegacyKey{Secret: b, Subject: subject}, nil
}

// LegacyVerifier returns a check for legacy tokens: the subject of the key
// that signed token, or ok false when none did, the token has expired or
// it is not a backstage-server token. now nil is time.Now.
func LegacyVerifier(keys []LegacyKey, now func() time.Time) func(token string) (subject string, ok bool) {
	if now == nil {
		now = time.Now
	}
	return func(token string) (string, bool) {
		for _, k := range keys {
			_, err := jwt.Parse(token, func(*jwt.Token) (any, error) { return k.Secret, nil },
				jwt.WithValidMethods([]string{"HS256"}), jwt.WithSubject("backstage-server"),
				jwt.WithExpirationRequired(), jwt.WithTimeFunc(now))
			if err == nil {
				return k.Subject, true
			}
		}
		return "", false
	}
}
