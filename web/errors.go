package web

import (
	"encoding/json"
	"errors"
	"net/http"

	"callboard"
)

// statusOf is the only place a failure gets an HTTP status; nameOf gives
// the Backstage error name clients switch on.
var statusOf = map[callboard.Kind]int{
	callboard.Invalid: http.StatusBadRequest, callboard.Unauthenticated: http.StatusUnauthorized,
	callboard.Forbidden: http.StatusForbidden, callboard.NotFound: http.StatusNotFound,
	callboard.Conflict: http.StatusConflict, callboard.Upstream: http.StatusServiceUnavailable,
	callboard.Internal: http.StatusInternalServerError,
}

var nameOf = map[callboard.Kind]string{
	callboard.Invalid: "InputError", callboard.Unauthenticated: "AuthenticationError",
	callboard.Forbidden: "NotAllowedError", callboard.NotFound: "NotFoundError",
	callboard.Conflict: "ConflictError", callboard.Upstream: "ServiceUnavailableError",
	callboard.Internal: "Error",
}

var errPanic = errors.New("panic")

// maxEchoedURL bounds the request URL an error body repeats: a refused
// 64 KiB query string need not come back whole.
const maxEchoedURL = 2048

// errorBody is Backstage's error response.
type errorBody struct {
	Error struct {
		Name    string `json:"name"`
		Message string `json:"message"`
	} `json:"error"`
	Request struct {
		Method string `json:"method"`
		URL    string `json:"url"`
	} `json:"request"`
	Response struct {
		StatusCode int `json:"statusCode"`
	} `json:"response"`
}

func writeError(w http.ResponseWriter, r *http.Request, err error) {
	kind := callboard.ErrorKind(err)
	var body errorBody
	body.Error.Name = nameOf[kind]
	body.Error.Message = callboard.ErrorMessage(err)
	body.Request.Method = r.Method
	body.Request.URL = r.URL.RequestURI()
	if len(body.Request.URL) > maxEchoedURL {
		body.Request.URL = body.Request.URL[:maxEchoedURL] + "..."
	}
	body.Response.StatusCode = statusOf[kind]
	writeJSON(w, statusOf[kind], body)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return callboard.Wrap(callboard.Internal, err, "encode response")
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
	return nil
}

// api adapts a handler that returns an error: the error is written once,
// with its status, and internal details are logged, not shown.
func (s *Server) api(h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			if callboard.ErrorKind(err) == callboard.Internal && r.Context().Err() == nil {
				s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err,
					"request_id", r.Header.Get("X-Request-Id"))
			}
			writeError(w, r, err)
		}
	})
}

// write is api for endpoints that change state: they need an authenticated
// caller outside dev mode.
func (s *Server) write(h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return s.api(func(w http.ResponseWriter, r *http.Request) error {
		// A browser on another site must not drive the API with a simple
		// (text/plain) POST, which needs no preflight: in dev mode that would
		// let any page register locations. Non-browser clients send no
		// Origin or Sec-Fetch-Site and pass.
		if err := s.csrf.Check(r); err != nil {
			return callboard.Errorf(callboard.Forbidden, "cross-origin request refused")
		}
		if !s.authorized(r) {
			return callboard.Errorf(callboard.Unauthenticated,
				"this endpoint changes the catalog and needs an authenticated caller: send Authorization: Bearer <token> "+
					"(a backend.auth.externalAccess token, or a session's backstageIdentity.token), or sign in")
		}
		return h(w, r)
	})
}

// decodeBody reads a JSON request body of at most 4 MiB into v.
func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 4<<20))
	if err := dec.Decode(v); err != nil {
		return callboard.Wrap(callboard.Invalid, err, "Malformed request body")
	}
	return nil
}
