// Package docsync keeps published TechDocs sites in step with their
// sources: it resolves an entity's backstage.io/techdocs-ref to a docs
// directory, hashes the tree (mkdocs.yml and docs_dir), and rebuilds with
// the techdocs builder and publishes only when the hash changed. The hash
// is stored in the published techdocs_metadata.json (callboard_source_hash),
// so a restart does not rebuild anything that is current.
//
// Sources in git repositories (url: refs, and dir: refs of entities read
// from url: locations) are shallow clones kept in a work dir, fetched again
// on later syncs; hosts must be allowed (backend.reading.allow).
//
// With techdocs.builder: external nothing is built: the portal serves what
// CI published. The package does not import the catalog; it receives
// functions that list entities and open their directories.
package docsync

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"callboard"
	"callboard/techdocs"
	"callboard/techdocs/publish"
)

// HashKey is the extra techdocs_metadata.json key holding the source hash
// a site was built from.
const HashKey = "callboard_source_hash"

// CommitKey is the metadata key of the docs source's last commit time
// (milliseconds since the epoch), written by a builder that knows it (a
// CI job running techdocs-cli with the full history): the IDP metrics'
// documentation freshness reads it before the build time. callboard's own
// builder writes it too: its blobless clones keep the history, so it is the
// last commit that changed mkdocs.yml or docs_dir.
const CommitKey = "callboard_source_commit_timestamp"

// SourceCommitTime returns the source's last commit recorded in m, or the
// zero time.
func SourceCommitTime(m *publish.Metadata) time.Time {
	var ms int64
	if raw, ok := m.Extra[CommitKey]; ok && json.Unmarshal(raw, &ms) == nil && ms > 0 {
		return time.UnixMilli(ms).UTC()
	}
	return time.Time{}
}

// Builder values of techdocs.builder.
const (
	BuilderLocal    = "local"
	BuilderExternal = "external"
)

// DefaultInterval is how often Run looks for changed sources.
const DefaultInterval = time.Minute

// Opener opens a docs directory (Source.Dir) of a location type
// (Source.Type) as a file system. A type it cannot read is Invalid.
type Opener func(ctx context.Context, src Source) (fs.FS, error)

// Options configure a Syncer.
type Options struct {
	// Builder is techdocs.builder: "local" (the default) or "external".
	Builder string
	// Interval between background passes; zero is DefaultInterval.
	Interval time.Duration
	// Publisher stores built sites and reads their metadata. Required.
	Publisher publish.Publisher
	// Open reads docs sources. Required with the local builder.
	Open Opener
	// Entities lists the entities carrying backstage.io/techdocs-ref, for
	// the background passes. Required with the local builder.
	Entities func(ctx context.Context) ([]*callboard.Entity, error)
	// Entity returns one entity, for Sync. NotFound when it does not exist.
	Entity func(ctx context.Context, ref callboard.EntityRef) (*callboard.Entity, error)
	// Logger receives build failures and publishes; nil discards.
	Logger *slog.Logger
	// ObserveBuild, when set, is told of each build that ran (sources
	// changed or never built): how long building and publishing took, and
	// its error. Metrics use it.
	ObserveBuild func(took time.Duration, err error)

	// Git sources (url: refs, and dir: refs next to url: locations) are
	// cloned with the git binary into WorkDir/git, one shallow clone per
	// repository and branch, and fetched again on each sync.
	//
	// WorkDir holds the clones (in WorkDir/git); empty is
	// callboard/docsync in the user's cache dir (os.UserCacheDir).
	WorkDir string
	// AllowHost reports whether a repository URL may be read: the
	// portal's URL reader's host check (urlread.Reader.Allows:
	// backend.reading.allow and the integrations' hosts), so docs clone
	// from the hosts the catalog reads. Nil allows none.
	AllowHost func(u *url.URL) bool
	// AllowFileRepos allows file:// repositories (tests, self-hosted
	// mirrors on the same machine).
	AllowFileRepos bool
	// Credentials returns the HTTP Basic credentials git sends to a
	// repository host (host or host:port): see Credentials and the
	// integrations.github/gitlab entries. A host with credentials may be
	// read even when AllowHost does not list it, as Backstage's URL readers
	// read every configured integration host. Nil, or an empty password,
	// clones anonymously.
	Credentials func(host string) (username, password string)
	// GitTimeout bounds one git command; zero is DefaultGitTimeout.
	GitTimeout time.Duration
	// GitFreshness is how long a fetched clone is used without fetching
	// again; zero is DefaultGitFreshness, negative fetches on every sync.
	GitFreshness time.Duration
	// GitBinary is the git executable; empty is "git" on PATH.
	GitBinary string

	// Claim, when set, decides whether this replica runs a background
	// pass: replicas sharing a database grant it to one of them per
	// Interval (a lease), so each site is built once, not once per
	// replica. Nil runs every pass. Sync (a user's request) always runs.
	Claim func(ctx context.Context) bool
	// Published, when set, is told each entity whose site a build
	// published, once the publisher has it: the change log tells the
	// other replicas, and the search index follows it. It must not block.
	Published func(ctx context.Context, ref callboard.EntityRef)
	// Sanitizer is what the portal's reader cleans the published pages
	// with (techdocs.sanitizer); nil keeps no iframe.
	Sanitizer *techdocs.Sanitizer
}

// Status is what is known about an entity's docs builds in this process.
type Status struct {
	// Builder is "local" or "external".
	Builder string
	// Building is true while a build of the entity runs.
	Building bool
	// LastError is the message of the last failed sync, empty after a
	// success; LastErrorAt is when it failed.
	LastError   string
	LastErrorAt time.Time
	// LastSuccess is when a sync last succeeded, whether it built or found
	// the site current; LastBuild is when this process last published it.
	LastSuccess time.Time
	LastBuild   time.Time
	// Warnings of the last build ("docs/index.md:3: broken link ...").
	Warnings []string
}

// Syncer builds and publishes docs in the background. It is safe for
// concurrent use; it also serves the publisher's Metadata and Open, so it
// can be handed to the web server as its docs reader.
type Syncer struct {
	opts Options
	log  *slog.Logger

	mu       sync.Mutex
	locks    map[string]*sync.Mutex // per entity: one build at a time
	gitLocks map[string]*sync.Mutex // per clone: one reader at a time
	fetched  map[string]time.Time   // per clone: last clone or fetch
	status   map[string]*entry
}

type entry struct {
	Status
	failedHash string // the source hash whose build failed
}

// New returns a Syncer. A missing publisher, an unknown builder, or a
// local builder without Open or Entities is Invalid.
func New(opts Options) (*Syncer, error) {
	switch opts.Builder {
	case "":
		opts.Builder = BuilderLocal
	case BuilderLocal, BuilderExternal:
	default:
		return nil, callboard.Errorf(callboard.Invalid, "techdocs.builder %q is not supported: use local or external", opts.Builder)
	}
	if opts.Publisher == nil {
		return nil, callboard.Errorf(callboard.Invalid, "docsync: no publisher")
	}
	if opts.Builder == BuilderLocal && (opts.Open == nil || opts.Entities == nil || opts.Entity == nil) {
		return nil, callboard.Errorf(callboard.Invalid, "docsync: the local builder needs Open, Entities and Entity")
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.WorkDir == "" {
		d, err := defaultWorkDir()
		if err != nil {
			return nil, fmt.Errorf("docsync: work dir: %w", err)
		}
		opts.WorkDir = d
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Syncer{opts: opts, log: log, locks: map[string]*sync.Mutex{}, gitLocks: map[string]*sync.Mutex{}, fetched: map[string]time.Time{}, status: map[string]*entry{}}, nil
}

// Sanitizer returns Options.Sanitizer, for the portal's reader.
func (s *Syncer) Sanitizer() *techdocs.Sanitizer { return s.opts.Sanitizer }

// Builder returns "local" or "external".
func (s *Syncer) Builder() string { return s.opts.Builder }

// Run syncs every documented entity now and then every Interval, until ctx
// ends. Failures are logged and kept per entity (Status); Run itself only
// returns when ctx is done, with nil. With the external builder it returns
// at once.
func (s *Syncer) Run(ctx context.Context) error {
	if s.opts.Builder == BuilderExternal {
		return nil
	}
	t := time.NewTicker(s.opts.Interval)
	defer t.Stop()
	for {
		s.syncAll(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// syncAll runs one background pass, if this replica may.
func (s *Syncer) syncAll(ctx context.Context) {
	if s.opts.Claim != nil && !s.opts.Claim(ctx) {
		return
	}
	entities, err := s.opts.Entities(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("docs sync: list entities", "err", err)
		}
		return
	}
	for _, e := range entities {
		if ctx.Err() != nil {
			return
		}
		_, _ = s.syncEntity(ctx, e) // logged and kept in Status
	}
}

// Sync brings ref's published docs up to date and reports whether it
// rebuilt them. With the external builder it never builds and returns
// false. A missing entity is NotFound; a bad annotation or a source that
// does not build is Invalid (also kept in Status).
func (s *Syncer) Sync(ctx context.Context, ref callboard.EntityRef) (updated bool, err error) {
	if s.opts.Builder == BuilderExternal {
		return false, nil
	}
	e, err := s.opts.Entity(ctx, ref)
	if err != nil {
		return false, err
	}
	return s.syncEntity(ctx, e)
}

func key(ref callboard.EntityRef) string {
	return strings.ToLower(ref.String())
}

// lock returns the entity's build lock.
func (s *Syncer) lock(k string) *sync.Mutex {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.locks[k]
	if l == nil {
		l = &sync.Mutex{}
		s.locks[k] = l
	}
	return l
}

// gitLock returns the lock of a clone directory: entities sharing a
// repository take turns to fetch and read it. It is taken after the
// entity lock.
func (s *Syncer) gitLock(dir string) *sync.Mutex {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.gitLocks[dir]
	if l == nil {
		l = &sync.Mutex{}
		s.gitLocks[dir] = l
	}
	return l
}

// update changes the entity's status under the lock.
func (s *Syncer) update(k string, fn func(e *entry)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.status[k]
	if e == nil {
		e = &entry{}
		s.status[k] = e
	}
	fn(e)
}

func (s *Syncer) syncEntity(ctx context.Context, e *callboard.Entity) (bool, error) {
	ref := e.Ref()
	k := key(ref)
	l := s.lock(k)
	l.Lock()
	defer l.Unlock()

	updated, hash, warnings, err := s.build(ctx, e, k)
	now := time.Now()
	if err != nil {
		if ctx.Err() != nil {
			return false, err
		}
		msg := callboard.ErrorMessage(err)
		s.update(k, func(st *entry) {
			if st.LastError != msg {
				s.log.Warn("docs build failed", "entity", ref.String(), "err", err)
			}
			st.LastError, st.LastErrorAt, st.failedHash = msg, now, ""
			if callboard.ErrorKind(err) == callboard.Invalid {
				// Bad sources stay bad until they change; a failed upload
				// (Upstream, Internal) is retried on the next pass.
				st.failedHash = hash
			}
		})
		return false, err
	}
	s.update(k, func(st *entry) {
		st.LastError, st.LastErrorAt, st.failedHash = "", time.Time{}, ""
		st.LastSuccess = now
		if updated {
			st.LastBuild = now
			st.Warnings = warnings
		}
	})
	if updated && s.opts.Published != nil {
		s.opts.Published(ctx, ref)
	}
	return updated, nil
}

// build does the work of one sync; hash is the source hash when known.
func (s *Syncer) build(ctx context.Context, e *callboard.Entity, k string) (updated bool, hash string, warnings []string, err error) {
	ref := e.Ref()
	src, err := ResolveSource(e)
	if err != nil {
		return false, "", nil, err
	}
	var fsys fs.FS
	if src.Type == TypeGit {
		l := s.gitLock(s.gitDir(src))
		l.Lock()
		defer l.Unlock()
		var release func()
		if fsys, release, err = s.openGit(ctx, src); err != nil {
			return false, "", nil, err
		}
		defer release()
	} else if fsys, err = s.opts.Open(ctx, src); err != nil {
		return false, "", nil, err
	}
	hash, err = HashTree(fsys)
	if err != nil && src.Type == TypeGit {
		return false, "", nil, fmt.Errorf("docs from %s (folder %s): %w", src.Repo, src.Dir, err)
	}
	if err != nil {
		return false, "", nil, err
	}
	s.mu.Lock()
	st := s.status[k]
	if st != nil && st.failedHash == hash && st.LastError != "" {
		// The same sources failed before; building them again fails again.
		msg := st.LastError
		s.mu.Unlock()
		return false, hash, nil, callboard.Errorf(callboard.Invalid, "%s", msg)
	}
	s.mu.Unlock()

	var commit time.Time
	if src.Type == TypeGit {
		commit = s.lastCommit(ctx, src, sourcePaths(fsys))
	}

	meta, err := s.opts.Publisher.Metadata(ctx, ref)
	switch {
	case err == nil && storedHash(meta) == hash && (commit.IsZero() || SourceCommitTime(meta).Equal(commit)):
		return false, hash, nil, nil
	case err != nil && callboard.ErrorKind(err) != callboard.NotFound:
		return false, hash, nil, fmt.Errorf("read published metadata: %w", err)
	}

	s.update(k, func(st *entry) { st.Building = true })
	defer s.update(k, func(st *entry) { st.Building = false })
	start := time.Now()
	if s.opts.ObserveBuild != nil {
		defer func() {
			if ctx.Err() == nil {
				s.opts.ObserveBuild(time.Since(start), err)
			}
		}()
	}
	site, err := techdocs.Build(fsys, techdocs.BuildOptions{})
	if err != nil {
		return false, hash, nil, err
	}
	for _, w := range site.Warnings {
		warnings = append(warnings, w.String())
	}
	tmp, err := os.MkdirTemp("", "callboard-docs-*")
	if err != nil {
		return false, hash, nil, err
	}
	defer os.RemoveAll(tmp)
	if err := techdocs.Write(site, nil, tmp); err != nil {
		return false, hash, nil, fmt.Errorf("write site: %w", err)
	}
	if err := addSource(filepath.Join(tmp, publish.MetadataFile), hash, commit); err != nil {
		return false, hash, nil, err
	}
	res, err := s.opts.Publisher.Publish(ctx, ref, tmp)
	if err != nil {
		return false, hash, nil, fmt.Errorf("publish: %w", err)
	}
	s.log.Info("docs built", "entity", ref.String(), "pages", len(site.Pages), "files", len(res.Files),
		"warnings", len(site.Warnings), "duration", time.Since(start).Round(time.Millisecond))
	return true, hash, warnings, nil
}

// storedHash returns the source hash recorded in published metadata.
func storedHash(m *publish.Metadata) string {
	var h string
	if raw, ok := m.Extra[HashKey]; ok {
		_ = json.Unmarshal(raw, &h)
	}
	return h
}

// addSource records the source hash, and the source's last commit when
// known, in a built site's metadata file.
func addSource(file, hash string, commit time.Time) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	m, err := publish.ParseMetadata(b)
	if err != nil {
		return err
	}
	if m.Extra == nil {
		m.Extra = map[string]json.RawMessage{}
	}
	m.Extra[HashKey], _ = json.Marshal(hash)
	if !commit.IsZero() {
		m.Extra[CommitKey], _ = json.Marshal(commit.UnixMilli())
	}
	m.Extra["callboard_builder"], _ = json.Marshal("callboard " + callboard.Version)
	out, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(file, out, 0o644)
}

// Status returns what this process knows about ref's builds. An entity
// never synced has a zero Status but for Builder.
func (s *Syncer) Status(ref callboard.EntityRef) Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := Status{}
	if e := s.status[key(ref)]; e != nil {
		out = e.Status
		out.Warnings = append([]string(nil), e.Warnings...)
	}
	out.Builder = s.opts.Builder
	return out
}

// BuildTime returns when ref's published site was built (build_timestamp of
// its metadata): the docs' freshness, for scorecards. NotFound when the
// entity has no published site.
func (s *Syncer) BuildTime(ctx context.Context, ref callboard.EntityRef) (time.Time, error) {
	m, err := s.opts.Publisher.Metadata(ctx, ref)
	if err != nil {
		return time.Time{}, err
	}
	return m.BuildTime(), nil
}

// Metadata is the publisher's Metadata: the Syncer serves as the portal's
// docs reader.
func (s *Syncer) Metadata(ctx context.Context, ref callboard.EntityRef) (*publish.Metadata, error) {
	return s.opts.Publisher.Metadata(ctx, ref)
}

// Open is the publisher's Open.
func (s *Syncer) Open(ctx context.Context, ref callboard.EntityRef, name string) (io.ReadCloser, publish.ContentInfo, error) {
	return s.opts.Publisher.Open(ctx, ref, name)
}
