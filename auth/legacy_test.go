package auth_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"callboard"
	"callboard/auth"
)

func legacyToken(t *testing.T, secret []byte, method jwt.SigningMethod, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(secret)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLegacyTokens(t *testing.T) {
	secret := []byte("a shared secret of the old backend")
	key, err := auth.NewLegacyKey(0, base64.StdEncoding.EncodeToString(secret), "legacy-scaffolder")
	if err != nil {
		t.Fatal(err)
	}
	verify := auth.LegacyVerifier([]auth.LegacyKey{key}, nil)
	exp := time.Now().Add(time.Hour).Unix()
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." +
		base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"backstage-server","exp":9999999999}`)) + "."
	for _, tc := range []struct {
		name  string
		token string
		ok    bool
	}{
		{"good", legacyToken(t, secret, jwt.SigningMethodHS256, jwt.MapClaims{"sub": "backstage-server", "exp": exp}), true},
		{"expired", legacyToken(t, secret, jwt.SigningMethodHS256, jwt.MapClaims{"sub": "backstage-server", "exp": time.Now().Add(-time.Minute).Unix()}), false},
		{"no exp", legacyToken(t, secret, jwt.SigningMethodHS256, jwt.MapClaims{"sub": "backstage-server"}), false},
		{"other subject", legacyToken(t, secret, jwt.SigningMethodHS256, jwt.MapClaims{"sub": "user:default/jane", "exp": exp}), false},
		{"other secret", legacyToken(t, []byte("guessed"), jwt.SigningMethodHS256, jwt.MapClaims{"sub": "backstage-server", "exp": exp}), false},
		{"other algorithm", legacyToken(t, secret, jwt.SigningMethodHS512, jwt.MapClaims{"sub": "backstage-server", "exp": exp}), false},
		{"alg none", none, false},
		{"garbage", "not.a.jwt", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			subject, ok := verify(tc.token)
			if ok != tc.ok || (ok && subject != "legacy-scaffolder") {
				t.Errorf("verify = %q, %v; want ok %v", subject, ok, tc.ok)
			}
		})
	}
	for _, bad := range []struct{ secret, subject, want string }{
		{"not base64!", "x", "backend.auth.externalAccess[2].options.secret"},
		{base64.StdEncoding.EncodeToString(secret), "", "backend.auth.externalAccess[2].options.subject"},
	} {
		if _, err := auth.NewLegacyKey(2, bad.secret, bad.subject); callboard.ErrorKind(err) != callboard.Invalid || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("NewLegacyKey(%q, %q) = %v, want Invalid naming %s", bad.secret, bad.subject, err, bad.want)
		}
	}
}
