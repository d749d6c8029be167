package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"callboard"
	"callboard/techdocs/publish"
)

// DocsReader is what the TechDocs routes need from a publisher
// (publish.Publisher satisfies it): a site's metadata and its files.
type DocsReader interface {
	Metadata(ctx context.Context, entity callboard.EntityRef) (*publish.Metadata, error)
	Open(ctx context.Context, entity callboard.EntityRef, name string) (io.ReadCloser, publish.ContentInfo, error)
}

// docsRef is the entity of a /api/techdocs route: namespace/kind/name.
func docsRef(r *http.Request) callboard.EntityRef {
	return callboard.EntityRef{Namespace: r.PathValue("namespace"), Kind: r.PathValue("kind"), Name: r.PathValue("name")}
}

// docsEntity returns the route's entity. As in Backstage, docs are served
// only for entities the catalog holds; anything else is NotFound with
// msg, Backstage's message for the route.
func (s *Server) docsEntity(r *http.Request, msg string) (*callboard.Entity, error) {
	ref := docsRef(r)
	if s.catalog == nil {
		return nil, callboard.Errorf(callboard.NotFound, msg, ref)
	}
	e, err := s.catalog.Entity(r.Context(), ref)
	if callboard.ErrorKind(err) == callboard.NotFound {
		return nil, callboard.Errorf(callboard.NotFound, msg, ref)
	}
	return e, err
}

func (s *Server) docs() (DocsReader, error) {
	if s.opts.Docs == nil {
		return nil, errNoPublisher
	}
	return s.opts.Docs, nil
}

var errNoPublisher = callboard.Errorf(callboard.NotFound, "TechDocs has no publisher configured (techdocs.publisher)")

// handleDocsMetadata serves GET /metadata/techdocs/{namespace}/{kind}/{name}:
// the site's techdocs_metadata.json.
func (s *Server) handleDocsMetadata(w http.ResponseWriter, r *http.Request) error {
	const msg = "Unable to get metadata for '%s'"
	if _, err := s.docsEntity(r, msg); err != nil {
		return err
	}
	docs, err := s.docs()
	if err != nil {
		return err
	}
	m, err := docs.Metadata(r.Context(), docsRef(r))
	if callboard.ErrorKind(err) == callboard.NotFound {
		return callboard.Wrap(callboard.NotFound, err, msg, docsRef(r))
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, m)
}

// handleDocsEntityMetadata serves GET /metadata/entity/{namespace}/{kind}/{name}:
// the entity plus locationMetadata, where its docs source lives.
func (s *Server) handleDocsEntityMetadata(w http.ResponseWriter, r *http.Request) error {
	const msg = "Unable to get metadata for '%s'"
	e, err := s.docsEntity(r, msg)
	if err != nil {
		return err
	}
	loc, err := docsLocation(e)
	if err != nil {
		return callboard.Wrap(callboard.NotFound, err, msg, docsRef(r))
	}
	b, err := json.Marshal(e)
	if err != nil {
		return callboard.Wrap(callboard.Internal, err, "encode entity")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		return callboard.Wrap(callboard.Internal, err, "encode entity")
	}
	if obj["locationMetadata"], err = json.Marshal(loc); err != nil {
		return callboard.Wrap(callboard.Internal, err, "encode entity")
	}
	return writeJSON(w, http.StatusOK, obj)
}

// docLocation is Backstage's locationMetadata: {type, target}.
type docLocation struct {
	Type   string `json:"type"`
	Target string `json:"target"`
}

// docsLocation resolves the backstage.io/techdocs-ref annotation as
// Backstage's getLocationForEntity does: url: refs as they are; dir: refs
// against the entity's source location (backstage.io/source-location, else
// managed-by-location), giving a url for url locations and a dir for files.
func docsLocation(e *callboard.Entity) (docLocation, error) {
	ann := e.Annotation(callboard.AnnotationTechDocsRef)
	typ, target, ok := strings.Cut(ann, ":")
	if !ok || target == "" {
		return docLocation{}, fmt.Errorf("no valid %s annotation", callboard.AnnotationTechDocsRef)
	}
	switch typ {
	case "url":
		return docLocation{Type: "url", Target: target}, nil
	case "dir":
	default:
		return docLocation{}, fmt.Errorf("invalid %s type %q", callboard.AnnotationTechDocsRef, typ)
	}
	src := e.Annotation(callboard.AnnotationSourceLocation)
	if src == "" {
		src = e.Annotation(callboard.AnnotationManagedByLocation)
	}
	srcType, srcTarget, _ := strings.Cut(src, ":")
	switch srcType {
	case "url":
		base, err := url.Parse(srcTarget)
		if err != nil {
			return docLocation{}, err
		}
		ref, err := url.Parse(target)
		if err != nil {
			return docLocation{}, err
		}
		return docLocation{Type: "url", Target: base.ResolveReference(ref).String()}, nil
	case "file":
		return docLocation{Type: "dir", Target: filepath.Join(filepath.Dir(srcTarget), target)}, nil
	}
	return docLocation{}, fmt.Errorf("unable to resolve location type %q", srcType)
}

// handleDocsStatic serves GET /static/docs/{namespace}/{kind}/{name}/{path...}.
// Site files are untrusted: every answer forbids sniffing and carries a
// sandbox CSP, so a page opened directly runs no script with the portal's
// origin.
func (s *Server) handleDocsStatic(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "sandbox")
	if _, err := s.docsEntity(r, "Entity not found for %s"); err != nil {
		return err
	}
	docs, err := s.docs()
	if err != nil {
		return err
	}
	name := r.PathValue("path")
	if name == "" || strings.HasSuffix(name, "/") {
		name += "index.html"
	}
	body, info, err := docs.Open(r.Context(), docsRef(r), name)
	if callboard.ErrorKind(err) == callboard.NotFound && path.Ext(name) == "" {
		// A page URL without its trailing slash: serve the page's index.
		body, info, err = docs.Open(r.Context(), docsRef(r), name+"/index.html")
	}
	if err != nil {
		return err
	}
	defer body.Close()
	h := w.Header()
	h.Set("Cache-Control", "no-cache") // revalidate: a publish may replace any file
	if info.ETag != "" {
		h.Set("ETag", info.ETag)
		if etagMatch(r.Header.Get("If-None-Match"), info.ETag) {
			w.WriteHeader(http.StatusNotModified)
			return nil
		}
	}
	h.Set("Content-Type", info.ContentType)
	if info.Size > 0 {
		h.Set("Content-Length", strconv.FormatInt(info.Size, 10))
	}
	if !info.ModTime.IsZero() {
		h.Set("Last-Modified", info.ModTime.UTC().Format(http.TimeFormat))
	}
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, body) // the status is sent; a failed copy only cuts the body
	return nil
}

// etagMatch reports whether an If-None-Match header names etag, comparing
// weakly as RFC 9110 asks for If-None-Match.
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for t := range strings.SplitSeq(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}

// handleDocsSync serves GET /sync/{namespace}/{kind}/{name}, which the
// reader calls to ask for a fresh build. With Accept: text/event-stream it
// answers as Backstage does, with a "finish" event {"updated": bool} or an
// "error" event; otherwise with 201 when docs were rebuilt and 304 when not.
// Without a DocsSync hook (techdocs.builder: external) nothing is ever
// rebuilt here.
func (s *Server) handleDocsSync(w http.ResponseWriter, r *http.Request) error {
	// Sync is a GET that rebuilds (Backstage's shape), so cross-origin
	// protection lets it through: refuse what a browser marks as coming
	// from another site (a link or image elsewhere, riding on the cookie).
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		return callboard.Errorf(callboard.Forbidden, "docs sync must be requested from this portal, not from another site")
	}
	e, err := s.docsEntity(r, "Entity not found for %s")
	if err != nil {
		return err
	}
	if err := s.authorize(r, callboard.PermDocsSync, e, e.Ref().String()); err != nil {
		return err
	}
	// A build may outlive the server's write timeout.
	streamDeadline(w, docsSyncWindow)
	var sse *sseWriter
	if strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
		sse = newSSE(w)
		defer sse.keepAlive(r.Context())() // the build may take minutes
	}
	stream := sse != nil
	updated := false
	if s.opts.DocsSync != nil {
		updated, err = s.opts.DocsSync(r.Context(), e.Ref())
		if updated || err != nil { // a sync that changed nothing is a read
			s.audit(r, callboard.PermDocsSync, e.Ref().String(), err, nil)
		}
	}
	switch {
	case stream && err != nil:
		if callboard.ErrorKind(err) == callboard.Internal {
			s.log.Error("docs sync failed", "entity", e.Ref().String(), "err", err)
		}
		_ = sse.JSON("error", "", callboard.ErrorMessage(err))
	case stream:
		_ = sse.JSON("finish", "", map[string]bool{"updated": updated})
	case err != nil:
		return err
	case updated:
		return writeJSON(w, http.StatusCreated, map[string]string{"message": "Docs updated or did not need updating"})
	default:
		w.WriteHeader(http.StatusNotModified)
	}
	return nil
}
