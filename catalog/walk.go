package catalog

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"callboard"
	"callboard/descriptor"
	"callboard/internal/bufpool"
)

// locSpec is what reading a Location entity needs.
type locSpec struct {
	typ      string   // type of its targets
	targets  []string // resolved, may hold globs
	optional bool     // spec.presence: optional
	self     string   // the target it was read from
}

// locationOf returns the read spec of a Location entity, resolving its
// targets against the file it came from.
func locationOf(e *callboard.Entity) *locSpec {
	selfType, selfTarget, _ := strings.Cut(e.Annotation(callboard.AnnotationManagedByLocation), ":")
	typ := e.SpecString("type")
	if typ == "" {
		typ = selfType
	}
	sp := &locSpec{typ: typ, optional: e.SpecString("presence") == "optional", self: selfTarget}
	raw := e.SpecStrings("targets")
	if t := e.SpecString("target"); t != "" {
		raw = append([]string{t}, raw...)
	}
	for _, t := range raw {
		if typ == selfType && selfTarget != "" && selfTarget != t {
			if r, err := resolveTarget(typ, selfTarget, t); err == nil {
				t = r
			}
		}
		sp.targets = append(sp.targets, t)
	}
	return sp
}

// parentLoc is a Location entity whose targets are being read.
type parentLoc struct {
	ref    string
	spec   *locSpec
	origin string // managed-by-origin-location its children inherit
	depth  int
	// root is the directory its file targets, their placeholders and
	// nested file Locations must stay in; "" for other types.
	root string
	// refused, when set, is why its targets are not read at all.
	refused error
}

// fileRead is the result of reading one target file for one parent.
type fileRead struct {
	parent    parentLoc
	file      string // "type:target", the children's managed-by-location
	typ       string
	target    string
	unchanged bool                 // the file did not change; keep its children
	err       error                // the file could not be read: keep its children
	refused   bool                 // err is a refusal: drop what it emitted before
	problems  []descriptor.Problem // file-level problems (syntax)
	docs      []*docResult
	cache     *descriptor.ReadCache // placeholder targets read for its documents, while they are processed
	// A big file is handed on in parts (fileDocsPart): more is set on
	// all but the last, and parts, shared by them, gathers what the last
	// needs of the ones before.
	more  bool
	parts *fileParts
}

// fileParts is what the parts of one file read add up to, for its last
// part: the file's children are set and its problems remembered once it
// has been read to the end.
type fileParts struct {
	kids      []int32                // entities the earlier parts emitted
	errs      []callboard.StatusItem // problems they found
	locations []*docResult           // Location entities among their documents
	rejected  bool                   // one of their documents was rejected
}

// fileDocsPart is how many documents of a file are handed on at once: an
// exported file of 25,000 entities is applied as it is read instead of
// sitting whole in memory as entities until its last document (with four
// such files read at once, the whole catalog did).
const fileDocsPart = 256

// sendPart hands the documents read so far on to send as a part of fr.
func (fr *fileRead) sendPart(send func(*fileRead)) {
	if fr.parts == nil {
		fr.parts = &fileParts{}
	}
	for _, d := range fr.docs {
		fr.parts.rejected = fr.parts.rejected || len(d.rejected) > 0
		if isLocationDoc(d) {
			fr.parts.locations = append(fr.parts.locations, d)
		}
	}
	send(&fileRead{parent: fr.parent, file: fr.file, typ: fr.typ, target: fr.target, docs: fr.docs, more: true, parts: fr.parts})
	fr.docs = nil
}

// isLocationDoc reports whether d is a Location entity.
func isLocationDoc(d *docResult) bool {
	return d.entity != nil && d.ref != "" && strings.HasPrefix(d.ref, "location:")
}

// docResult is one processed document.
type docResult struct {
	ref      string            // "" when even the ref could not be read
	entity   *callboard.Entity // nil when rejected
	edges    []callboard.Edge
	own      []callboard.StatusItem // problems stored on the entity
	rejected []descriptor.Problem   // problems that kept it out
	hash     string
}

// walkResult is what one walk over location trees found.
type walkResult struct {
	reads []*fileRead // empty when the reads were streamed
	// expanded lists, per walked parent, every file its targets matched.
	expanded map[string]map[string]bool
	// failed holds parent+"\x00"+file for every read that failed.
	failed map[string]bool
}

// add records a read: sent to out when streaming, else kept in reads.
// The caller holds the walk's mutex, except when sending.
func (res *walkResult) add(fr *fileRead, out chan<- *fileRead) {
	if fr.err != nil && !fr.refused {
		res.failed[fr.parent.ref+"\x00"+fr.file] = true
	}
	if out == nil {
		res.reads = append(res.reads, fr)
	}
}

// walk reads the targets of roots and, recursively, of the Location
// entities found in them. Unchanged files (same size and mtime) are not
// read again unless force is set; their known child Locations are still
// walked so that new files under globs are found. A dry walk does not
// remember the files it read.
//
// With out set, each read is sent there as soon as it is done (a file
// before the files of the Locations it holds) instead of being collected,
// so that a large catalog is applied in bounded chunks.
func (s *Service) walk(ctx context.Context, roots []parentLoc, force, dry bool, out chan<- *fileRead) *walkResult {
	res := &walkResult{expanded: map[string]map[string]bool{}, failed: map[string]bool{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, s.opts.Workers)
	dirs := newRootDirs()
	defer dirs.close() // after wg.Wait: every read is done
	var visit func(p parentLoc)
	visit = func(p parentLoc) {
		defer wg.Done()
		if p.depth > 32 {
			return // a Location cycle; the second visit adds nothing
		}
		mu.Lock()
		if _, seen := res.expanded[p.ref]; seen {
			mu.Unlock()
			return
		}
		res.expanded[p.ref] = map[string]bool{}
		mu.Unlock()
		emit := func(fr *fileRead) {
			mu.Lock()
			res.add(fr, out)
			mu.Unlock()
			if out != nil {
				out <- fr
			}
		}
		if p.refused != nil {
			// Recorded on the Location; what it emitted before goes.
			emit(&fileRead{parent: p, file: p.spec.typ + ":", typ: p.spec.typ, target: strings.Join(p.spec.targets, ", "), err: p.refused, refused: true})
			return
		}
		for _, t := range p.spec.targets {
			if err := p.checkTarget(t); err != nil {
				emit(&fileRead{parent: p, file: p.spec.typ + ":" + t, typ: p.spec.typ, target: t, err: err, refused: true})
				continue
			}
			read := func(f string) {
				key := p.spec.typ + ":" + f
				mu.Lock()
				seen := res.expanded[p.ref][key]
				res.expanded[p.ref][key] = true
				mu.Unlock()
				if seen {
					return // a glob with "**" twice finds a file twice
				}
				wg.Add(1)
				sem <- struct{}{}
				var part func(*fileRead)
				if out != nil {
					part = func(fr *fileRead) { out <- fr }
				}
				go func() {
					defer wg.Done()
					fr := s.readFile(ctx, dirs, p, f, force, dry, part)
					mu.Lock()
					res.add(fr, out)
					mu.Unlock()
					// The slot is held until the read is handed on: while
					// the consumer applies and writes, at most Workers
					// parsed files wait, instead of one per file.
					if out != nil {
						out <- fr
					}
					<-sem
					for _, child := range s.childLocations(fr) {
						wg.Add(1)
						go visit(child)
					}
				}()
			}
			var err error
			if p.spec.typ == TypeFile {
				err = expandInRoot(p.root, t, read)
			} else {
				var files []string
				if files, err = s.opts.Reader.Expand(p.spec.typ, t); err == nil {
					for _, f := range files {
						read(f)
					}
				}
			}
			// An empty glob is not an error in Backstage; a broken one is.
			if err != nil {
				emit(&fileRead{parent: p, file: p.spec.typ + ":" + t, typ: p.spec.typ, target: t, err: err, refused: isRefused(err)})
			}
		}
	}
	for _, r := range roots {
		wg.Add(1)
		go visit(r)
	}
	wg.Wait()
	sort.Slice(res.reads, func(i, j int) bool {
		a, b := res.reads[i], res.reads[j]
		if a.parent.depth != b.parent.depth {
			return a.parent.depth < b.parent.depth
		}
		if a.parent.ref != b.parent.ref {
			return a.parent.ref < b.parent.ref
		}
		return a.file < b.file
	})
	return res
}

// childLocations returns the Location entities a file read yields, to be
// walked in turn. For an unchanged file they come from the graph.
func (s *Service) childLocations(fr *fileRead) []parentLoc {
	var out []parentLoc
	if fr.refused {
		return nil
	}
	if fr.unchanged || fr.err != nil {
		s.mu.RLock()
		defer s.mu.RUnlock()
		pid, ok := s.g.ids[fr.parent.ref]
		if !ok {
			return nil
		}
		for _, c := range s.g.children[pid][fr.file] {
			if n := s.g.nodes[c]; n != nil && n.loc() != nil {
				out = append(out, childOf(fr.parent, s.g.refs[c], n.loc()))
			}
		}
		return out
	}
	docs := fr.docs
	if fr.parts != nil {
		docs = append(slices.Clip(fr.parts.locations), fr.docs...)
	}
	for _, d := range docs {
		if isLocationDoc(d) {
			out = append(out, childOf(fr.parent, d.ref, locationOf(d.entity)))
		}
	}
	return out
}

// readFile reads, parses and processes one target file of parent p. With
// part set, a big file's documents go there in parts (sendPart) as they
// are read, and the read returned is the last part.
func (s *Service) readFile(ctx context.Context, dirs *rootDirs, p parentLoc, target string, force, dry bool, part func(*fileRead)) *fileRead {
	typ := p.spec.typ
	fr := &fileRead{parent: p, file: typ + ":" + target, typ: typ, target: target}
	s.filesMu.Lock()
	prev, known := s.files[fr.file]
	s.filesMu.Unlock()
	// A file read anyway takes its state from the opened file below,
	// without resolving its path once more.
	var st fileState
	if typ == TypeFile && known && !force {
		if fi, err := os.Stat(target); err == nil {
			st = fileState{modTime: fi.ModTime(), size: fi.Size()}
		}
	}
	// URLs have no cheap change check: a known one is re-read on forced
	// (processing-interval) runs and refreshes only, never by the file
	// watcher, which would spend the GitHub rate limit every second.
	if !force && known && (typ == TypeURL || prev == st) {
		fr.unchanged = true
		return fr
	}
	if (s.opts.ObserveRead != nil || s.opts.ObserveFile != nil) && !dry {
		defer s.observeRead(fr, time.Now())
	}
	// The state is remembered whatever the outcome: a file that fails to
	// read or parse is not read again until it changes (applyReads
	// repeats its problems meanwhile).
	remember := func() {
		if !dry {
			s.filesMu.Lock()
			s.files[fr.file] = st
			s.filesMu.Unlock()
		}
	}
	lim, limitKey := s.fileLimits(p)
	var src io.Reader
	var err error
	if typ == TypeFile {
		var f *os.File
		var fi fs.FileInfo
		if f, fi, _, err = openInRoot(dirs, p.root, p.fromDir(), target, lim.MaxFileBytes); err == nil {
			defer f.Close()
			st = fileState{modTime: fi.ModTime(), size: fi.Size()}
			src = f // ParseStream buffers its reads (a pooled 16 KiB)
		}
	} else {
		var data []byte
		if data, err = s.opts.Reader.readMax(ctx, typ, target, lim.MaxFileBytes); err == nil {
			src = bytes.NewReader(data)
		}
	}
	if err != nil {
		if callboard.ErrorKind(err) == callboard.NotFound && p.spec.optional {
			fr.docs = nil // an optional location that is absent emits nothing
			return fr
		}
		if callboard.ErrorKind(err) == callboard.Invalid && strings.Contains(callboard.ErrorMessage(err), "is larger than") {
			err = callboard.Errorf(callboard.Invalid, "%s (%s)", callboard.ErrorMessage(err), limitKey)
		}
		fr.err, fr.refused = err, isRefused(err)
		if ctx.Err() == nil {
			if typ == TypeFile && st == (fileState{}) {
				// Not read again until it changes: a symlink that leads
				// out, say, has a state of its own.
				if fi, err := os.Stat(target); err == nil {
					st = fileState{modTime: fi.ModTime(), size: fi.Size()}
				}
			}
			remember()
		}
		return fr
	}
	// Documents are processed as they are parsed: a 64 MiB exported file
	// never sits in memory as bytes and YAML nodes at once.
	fr.problems = descriptor.ParseStream(fr.shown(), src, lim, func(d *descriptor.Doc) {
		fr.docs = append(fr.docs, s.processDoc(ctx, fr, d))
		if part != nil && len(fr.docs) == fileDocsPart {
			fr.sendPart(part)
		}
	})
	fr.cache = nil // reads are kept until applied; the targets need not be
	remember()
	return fr
}

// fileLimits are the limits of a file read for p: the operator's own
// catalog.locations entries may hold big exported files
// (catalog.limits.maxFileBytes); URL- and API-registered locations keep
// the smaller Limits.MaxFileBytes. It returns the config key of the limit.
func (s *Service) fileLimits(p parentLoc) (descriptor.Limits, string) {
	lim := s.opts.Limits
	if lim.MaxFileBytes <= 0 {
		lim.MaxFileBytes = descriptor.DefaultMaxFileBytes
	}
	for _, l := range s.opts.Locations {
		if p.origin == l.Type+":"+l.Target {
			lim.MaxFileBytes = s.opts.MaxStaticFileBytes
			if lim.MaxFileBytes <= 0 {
				lim.MaxFileBytes = descriptor.DefaultMaxTrustedFileBytes
			}
			return lim, "catalog.limits.maxFileBytes"
		}
	}
	return lim, "catalog.limits.maxRegisteredFileBytes"
}

// shown names the target in messages: relative to the location's root for
// files, never as a server path.
func (fr *fileRead) shown() string {
	if fr.typ == TypeFile {
		return shownPath(fr.parent.root, fr.target)
	}
	return fr.target
}

// processDoc resolves placeholders, validates, annotates and derives the
// relations of one document.
func (s *Service) processDoc(ctx context.Context, fr *fileRead, d *descriptor.Doc) *docResult {
	res := &docResult{ref: rawRef(d.Raw)}
	var placeholderProblems []descriptor.Problem
	if hasPlaceholder(d.Raw) {
		var prev *callboard.Entity
		if res.ref != "" {
			if se, err := s.store.Entity(ctx, res.ref); err == nil {
				prev = se.Entity
			}
		}
		if fr.cache == nil {
			fr.cache = &descriptor.ReadCache{MaxBytes: s.opts.Limits.MaxBytes}
		}
		placeholderProblems = descriptor.ResolvePlaceholders(ctx, d, fr.target, fr.cache.Wrap(s.placeholderReader(fr)), prev)
		if d.OverLimit() {
			res.rejected = placeholderProblems
			return res
		}
	}
	e, problems := descriptor.Validate(d)
	if e == nil && len(placeholderProblems) > 0 && res.ref != "" {
		// The entity is kept, with the last good value or none, so that it
		// can be found, owned and fixed.
		e = decodeRaw(d.Raw)
	}
	if e == nil {
		res.rejected = append(placeholderProblems, problems...)
		if len(res.rejected) == 0 {
			res.rejected = []descriptor.Problem{{File: fr.shown(), Line: d.Line, Message: "entity could not be read"}}
		}
		return res
	}
	res.ref = e.Ref().String()
	if e.Metadata.Namespace == "" {
		e.Metadata.Namespace = callboard.DefaultNamespace
	}
	e.Metadata.UID, e.Metadata.Etag = "", ""
	e.Relations, e.Status = nil, nil
	e.SetAnnotation(callboard.AnnotationManagedByLocation, fr.file)
	e.SetAnnotation(callboard.AnnotationManagedByOriginLocation, fr.parent.origin)
	if fr.typ == TypeURL {
		annotateURL(e, fr.target)
	}
	edges, edgeProblems := descriptor.Edges(e)
	res.entity, res.edges = e, edges
	for _, p := range append(append(placeholderProblems, problems...), edgeProblems...) {
		res.own = append(res.own, statusItem("InputError", p.String()))
	}
	res.own = append(res.own, linkWarnings(e)...)
	// The hash is of what json.Encoder writes: entity and problems, each
	// followed by a newline.
	h := sha256.New()
	bp := hashBufs.Get()
	body, _ := e.AppendJSON(*bp)
	*bp = append(body, '\n')
	h.Write(*bp)
	hashBufs.Put(bp)
	_ = json.NewEncoder(h).Encode(res.own)
	res.hash = hex.EncodeToString(h.Sum(nil)[:16])
	return res
}

// hashBufs holds the buffers processDoc encodes entities into to hash
// them: two kilobytes an entity, 1.9 GB of garbage at a million.
var hashBufs = bufpool.New(64 << 10)

// annotateURL adds the view/edit/source links Backstage derives for
// descriptors read from a URL, unless the descriptor sets them.
func annotateURL(e *callboard.Entity, target string) {
	set := func(k, v string) {
		if e.Annotation(k) == "" {
			e.SetAnnotation(k, v)
		}
	}
	set(callboard.AnnotationViewURL, target)
	if strings.Contains(target, "github.com/") && strings.Contains(target, "/blob/") {
		set(callboard.AnnotationEditURL, strings.Replace(target, "/blob/", "/edit/", 1))
	}
	if i := strings.LastIndexByte(target, '/'); i > 0 {
		set(callboard.AnnotationSourceLocation, "url:"+target[:i+1])
	}
}

func statusItem(name, msg string) callboard.StatusItem {
	return callboard.StatusItem{Type: callboard.StatusProcessing, Level: "error", Message: msg,
		Error: &callboard.SerializedError{Name: name, Message: msg}}
}

// rawRef reads the canonical ref of an unvalidated document, or "".
func rawRef(raw map[string]any) string {
	kind, _ := raw["kind"].(string)
	md, _ := raw["metadata"].(map[string]any)
	name, _ := md["name"].(string)
	ns, _ := md["namespace"].(string)
	if kind == "" || name == "" {
		return ""
	}
	return callboard.EntityRef{Kind: kind, Namespace: ns, Name: name}.String()
}

func hasPlaceholder(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if strings.HasPrefix(k, "$") || hasPlaceholder(x) {
				return true
			}
		}
	case []any:
		for _, x := range t {
			if hasPlaceholder(x) {
				return true
			}
		}
	}
	return false
}

// decodeRaw converts a document to an entity without validating it.
func decodeRaw(raw map[string]any) *callboard.Entity {
	b, err := json.Marshal(raw)
	if err != nil {
		return nil
	}
	var e callboard.Entity
	if json.Unmarshal(b, &e) != nil {
		return nil
	}
	return &e
}

// lowerKind is a node's kind: lowercased, and shared for Backstage's kinds
// rather than a string per node.
func lowerKind(kind string) string {
	for _, k := range builtinKinds {
		if strings.EqualFold(kind, k) {
			return k
		}
	}
	// A clone: the kind may be cut from its file's text (descriptor's
	// fast path), which a node must not keep alive.
	return strings.Clone(strings.ToLower(kind))
}

var builtinKinds = [...]string{"component", "api", "resource", "system", "domain", "group", "user", "location", "template"}

// observeRead reports a file read that began at start to ObserveRead.
func (s *Service) observeRead(fr *fileRead, start time.Time) {
	failed := fr.err != nil || len(fr.problems) > 0 || fr.parts != nil && fr.parts.rejected
	for _, d := range fr.docs {
		failed = failed || len(d.rejected) > 0
	}
	if s.opts.ObserveRead != nil {
		s.opts.ObserveRead(fr.parent.origin, time.Since(start), failed)
	}
	if s.opts.ObserveFile != nil && fr.err == nil && len(fr.problems) == 0 {
		s.opts.ObserveFile(fr.file)
	}
}
