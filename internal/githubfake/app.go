package githubfake

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// App is a GitHub App with its installations.
type App struct {
	ID            int64
	Key           *rsa.PrivateKey
	Installations []Installation
}

// Installation is an App installed on an account (org or user).
type Installation struct {
	ID      int64
	Account string
}

// PrivateKeyPEM is the App's private key as GitHub hands it out (PKCS#1).
func (a *App) PrivateKeyPEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(a.Key)}))
}

// AddApp registers an App installed on each of accounts.
func (s *Server) AddApp(id int64, accounts ...string) *App {
	s.t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		s.t.Fatal(err)
	}
	a := &App{ID: id, Key: key}
	for _, acc := range accounts {
		a.Installations = append(a.Installations, Installation{ID: s.nextID.Add(1), Account: acc})
	}
	s.mu.Lock()
	s.apps[id] = a
	s.mu.Unlock()
	return a
}

func (s *Server) appRoutes() {
	s.api("GET /app", s.withApp(func(w http.ResponseWriter, r *http.Request, a *App) {
		writeJSON(w, http.StatusOK, map[string]any{"id": a.ID, "slug": "app-" + strconv.FormatInt(a.ID, 10)})
	}))
	s.api("GET /app/installations", s.withApp(s.handleInstallations))
	s.api("POST /app/installations/{id}/access_tokens", s.withApp(s.handleAccessToken))
}

// withApp verifies the App JWT (RS256, iss = app id, at most 10 minutes
// long, not expired) as GitHub does.
func (s *Server) withApp(h func(w http.ResponseWriter, r *http.Request, a *App)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			writeErr(w, http.StatusUnauthorized, "A JSON web token could not be decoded")
			return
		}
		var app *App
		tok, err := jwt.Parse(raw, func(t *jwt.Token) (any, error) {
			iss, err := t.Claims.GetIssuer()
			if err != nil {
				// iss may be a number.
				if m, ok := t.Claims.(jwt.MapClaims); ok {
					if f, ok := m["iss"].(float64); ok {
						iss = strconv.FormatInt(int64(f), 10)
					}
				}
			}
			id, _ := strconv.ParseInt(iss, 10, 64)
			s.mu.Lock()
			app = s.apps[id]
			s.mu.Unlock()
			if app == nil {
				return nil, jwt.ErrTokenUnverifiable
			}
			return &app.Key.PublicKey, nil
		}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
		if err != nil || !tok.Valid {
			writeErr(w, http.StatusUnauthorized, "'Expiration time' claim ('exp') is too far in the future or the JWT could not be verified")
			return
		}
		exp, _ := tok.Claims.GetExpirationTime()
		if exp.After(time.Now().Add(11 * time.Minute)) {
			writeErr(w, http.StatusUnauthorized, "'Expiration time' claim ('exp') is too far in the future")
			return
		}
		h(w, r, app)
	}
}

func (s *Server) handleInstallations(w http.ResponseWriter, r *http.Request, a *App) {
	out := []map[string]any{}
	for _, in := range a.Installations {
		out = append(out, map[string]any{"id": in.ID, "app_id": a.ID,
			"account": map[string]any{"login": in.Account, "type": s.ownerType(in.Account)}, "target_type": s.ownerType(in.Account)})
	}
	writeJSON(w, http.StatusOK, paginate(w, r, out))
}

func (s *Server) handleAccessToken(w http.ResponseWriter, r *http.Request, a *App) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	for _, in := range a.Installations {
		if in.ID != id {
			continue
		}
		var b [16]byte
		_, _ = rand.Read(b[:])
		token := "ghs_" + hex.EncodeToString(b[:])
		s.mu.Lock()
		s.instTokens[token] = id
		s.mu.Unlock()
		writeJSON(w, http.StatusCreated, map[string]any{"token": token,
			"expires_at":  time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
			"permissions": map[string]string{"contents": "write", "metadata": "read", "members": "read"}})
		return
	}
	writeErr(w, http.StatusNotFound, "Not Found")
}
