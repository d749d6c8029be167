package catalog

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"callboard/internal/varcodec"

	"callboard"
)

// A restart rebuilds the graph and index from every stored entity, which
// means decoding every body: 5 s at 100,000 entities. A snapshot holds
// both in a binary form instead (SaveSnapshot), tied to the change-log seq
// it reflects. Load uses it when the log can bring it up to date: the
// entities changed after that seq, and the Location entities (whose specs
// the snapshot does not hold), are then re-read from the store. Otherwise
// (no snapshot, another version, the log pruned past it, too many
// changes) Load reads every entity as before. A snapshot is never served
// stale: only changes the log names can differ from it, and those are
// re-read.

// SnapshotStore keeps the catalog's snapshot; *store.DB is one.
type SnapshotStore interface {
	// CatalogSnapshot returns the snapshot as a stream, and the
	// change-log seq it reflects; NotFound when there is none.
	CatalogSnapshot(ctx context.Context) (seq int64, r io.ReadCloser, err error)
	// SaveCatalogSnapshot replaces the snapshot with what r yields; on
	// error the previous one stays.
	SaveCatalogSnapshot(ctx context.Context, seq int64, r io.Reader) error
	Changes(ctx context.Context, after int64, limit int) ([]callboard.Change, error)
	ChangeBounds(ctx context.Context) (oldest, newest callboard.Change, now time.Time, err error)
}

// snapshotMagic changes with the snapshot's form and with what Load
// derives from entities; the version of the binary is checked as well.
const snapshotMagic = "callboard catalog snapshot 1\n"

// SaveSnapshot writes a snapshot of the graph and index, unless nothing
// changed since the last one this Service saved or loaded. It runs only
// where this Service is the catalog's one writer (no Options.CatchUp):
// then, with processing paused, the state it writes is that of the
// newest change-log seq. It pauses processing while it runs (a few
// seconds at 100,000 entities).
func (s *Service) SaveSnapshot(ctx context.Context) error {
	ss := s.opts.Snapshots
	if ss == nil || s.opts.CatchUp != nil {
		return nil
	}
	if err := s.Load(ctx); err != nil {
		return err
	}
	s.runMu.Lock()
	_, newest, _, err := ss.ChangeBounds(ctx)
	if err != nil || newest.Seq == s.snapSeq {
		s.runMu.Unlock()
		return err
	}
	s.staleMu.Lock()
	stale := len(s.stale) > 0
	s.staleMu.Unlock()
	if stale { // the graph holds writes the store does not: wait for resync
		s.runMu.Unlock()
		return nil
	}
	// The snapshot streams into the store as it is written: the store
	// writes it in parts, so that it is never held whole.
	start := time.Now()
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		pw.CloseWithError(s.writeSnapshot(pw))
	}()
	err = ss.SaveCatalogSnapshot(ctx, newest.Seq, pr)
	pr.CloseWithError(errors.New("the store stopped reading")) // unblocks the writer after a failed save
	<-done
	if err == nil {
		s.snapSeq = newest.Seq
	}
	s.runMu.Unlock()
	if err != nil {
		return err
	}
	s.log.Info("catalog: snapshot saved", "seq", newest.Seq, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// writeSnapshot writes a header, the graph's length and the graph, then
// the index, so that Load decodes the two at once. Kinds, files and
// locations, which many nodes share, are written once in a table. The
// caller holds runMu.
func (s *Service) writeSnapshot(w io.Writer) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var graph bytes.Buffer
	if err := s.writeGraph(&graph); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	e := &varcodec.Encoder{W: bw}
	e.Str(snapshotMagic)
	e.Str(callboard.Version + " " + callboard.Commit)
	e.Uint(uint64(graph.Len()))
	if e.Err != nil {
		return e.Err
	}
	if _, err := bw.Write(graph.Bytes()); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return s.idx.WriteSnapshot(w)
}

// writeGraph writes the graph. The caller holds s.mu.
func (s *Service) writeGraph(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	e := &varcodec.Encoder{W: bw}
	g := s.g
	shared := map[string]int{}
	var table []string
	add := func(s string) {
		if _, ok := shared[s]; !ok {
			shared[s] = len(table)
			table = append(table, s)
		}
	}
	for _, n := range g.nodes {
		add(n.kind)
		add(n.locationKey)
	}
	for _, files := range g.children {
		for file := range files {
			add(file)
		}
	}
	e.Strs(table)
	e.Strs(g.refs)
	e.Strs(g.types)
	e.Uint(uint64(len(g.nodes)))
	for id, n := range g.nodes {
		e.Uint(uint64(id))
		e.Str(n.uid)
		e.Uint(uint64(shared[n.kind]))
		e.Uint(uint64(shared[n.locationKey]))
		e.Str(n.hash)
		e.Bool(n.orphan)
		e.IDs(n.parents)
		e.Uint(uint64(len(n.edges)))
		for _, c := range n.edges {
			e.Uint(uint64(c.src))
			e.Uint(uint64(c.typ))
			e.Uint(uint64(c.dst))
		}
		var status []byte
		if len(n.own()) > 0 || len(n.locErrs()) > 0 {
			var err error
			if status, err = json.Marshal(snapStatus{Own: n.own(), LocErrs: n.locErrs()}); err != nil {
				return err
			}
		}
		e.Str(string(status))
	}
	e.Uint(uint64(len(g.children)))
	for pid, files := range g.children {
		e.Uint(uint64(pid))
		e.Uint(uint64(len(files)))
		for file, kids := range files {
			e.Uint(uint64(shared[file]))
			e.IDs(kids)
		}
	}
	if e.Err != nil {
		return e.Err
	}
	return bw.Flush()
}

// snapStatus is a node's status items, which few nodes have.
type snapStatus struct {
	Own     []callboard.StatusItem `json:"own,omitempty"`
	LocErrs []callboard.StatusItem `json:"locErrs,omitempty"`
}

// loadSnapshot builds the graph and index from the stored snapshot and
// the changes logged after it, and reports whether it did. When it did
// not, the graph and index are empty. The caller holds runMu.
func (s *Service) loadSnapshot(ctx context.Context) bool {
	ss := s.opts.Snapshots
	if ss == nil {
		return false
	}
	start := time.Now()
	seq, r, err := ss.CatalogSnapshot(ctx)
	if err != nil {
		if callboard.ErrorKind(err) != callboard.NotFound {
			s.log.Warn("catalog: cannot read the snapshot; loading every entity", "err", err)
		}
		return false
	}
	// The stream is read to its end and closed before anything else is
	// asked of the store: it holds a connection.
	s.mu.Lock()
	locations, err := s.readSnapshot(r)
	s.mu.Unlock()
	r.Close()
	var changed []string
	if err == nil {
		if changed, err = s.changedSince(ctx, ss, seq); err == nil {
			// Location specs are not in the snapshot: read them with the
			// changed entities, which replaces what the snapshot said of
			// them.
			err = s.applyStored(ctx, append(changed, locations...))
		}
	}
	if err != nil {
		s.log.Warn("catalog: snapshot not used; loading every entity", "err", err)
		s.mu.Lock()
		s.g, s.provRoots = newGraph(), map[string]map[string]callboard.Location{}
		s.idx.Clear()
		s.mu.Unlock()
		return false
	}
	if len(changed) == 0 {
		s.snapSeq = seq // nothing to save until something changes
	}
	s.log.Info("catalog: loaded from snapshot", "seq", seq, "changed", len(changed),
		"entities", s.idx.Len(), "took", time.Since(start).Round(time.Millisecond))
	return true
}

// changedSince returns the refs of the entities the change log records
// after seq, or an error saying why the snapshot at seq cannot be brought
// up to date: the log pruned past it, belongs to another database, or
// names so many entities that reading them all is as quick.
func (s *Service) changedSince(ctx context.Context, ss SnapshotStore, seq int64) ([]string, error) {
	oldest, newest, _, err := ss.ChangeBounds(ctx)
	switch {
	case err != nil:
		return nil, err
	case newest.Seq < seq:
		return nil, fmt.Errorf("the change log ends at %d, before the snapshot's %d", newest.Seq, seq)
	case newest.Seq > seq && oldest.Seq > seq+1:
		return nil, fmt.Errorf("the change log was pruned past the snapshot's seq %d", seq)
	}
	seen := map[string]bool{}
	var refs []string
	for after := seq; after < newest.Seq; {
		cs, err := ss.Changes(ctx, after, 5000)
		if err != nil {
			return nil, err
		}
		if len(cs) == 0 {
			break
		}
		for _, c := range cs {
			if c.Kind == callboard.ChangeEntity && !seen[c.Key] {
				seen[c.Key] = true
				refs = append(refs, c.Key)
			}
		}
		if len(refs) > maxSnapshotChanges {
			return nil, fmt.Errorf("more than %d entities changed after it", maxSnapshotChanges)
		}
		after = cs[len(cs)-1].Seq
	}
	return refs, nil
}

// maxSnapshotChanges bounds the entities re-read on top of a snapshot;
// past it, reading every entity is about as quick.
const maxSnapshotChanges = 20000

// readSnapshot replaces the graph and index with the snapshot's and
// returns the refs of its Location entities. The graph section is read
// whole; the index, streamed after it, is decoded at the same time, on
// another core. The caller holds s.mu.
func (s *Service) readSnapshot(r io.Reader) (locations []string, err error) {
	br := bufio.NewReaderSize(r, 256<<10)
	d := &varcodec.Decoder{R: br}
	if d.Str() != snapshotMagic || d.Str() != callboard.Version+" "+callboard.Commit || d.Err != nil {
		return nil, errors.Join(errors.New("a snapshot of another version"), d.Err)
	}
	// Read as it comes rather than allocated at the stated length, which
	// a damaged snapshot could make anything.
	n := d.Count(math.MaxInt)
	if d.Err != nil {
		return nil, d.Err
	}
	gb := bytes.NewBuffer(make([]byte, 0, min(n, 64<<20)))
	if _, err := io.CopyN(gb, br, int64(n)); err != nil {
		return nil, fmt.Errorf("the snapshot's graph: %w", err)
	}
	graph := gb.Bytes()
	idxErr := make(chan error, 1)
	go func() { idxErr <- s.idx.Restore(br) }()
	g, locations, err := readGraph(graph)
	if ierr := <-idxErr; err == nil {
		err = ierr
	}
	if err != nil {
		return nil, err
	}
	if s.idx.Len() != len(g.nodes) {
		return nil, fmt.Errorf("the snapshot's index holds %d entities, its graph %d", s.idx.Len(), len(g.nodes))
	}
	s.g, s.provRoots = g, map[string]map[string]callboard.Location{}
	return locations, nil
}

// readGraph decodes what writeGraph wrote.
func readGraph(data []byte) (g *graph, locations []string, err error) {
	d := &varcodec.Decoder{R: bytes.NewReader(data)}
	g = newGraph()
	table := d.Strs()
	shared := func() string {
		if i := d.Count(len(table) - 1); d.Err == nil {
			return table[i]
		}
		return ""
	}
	g.refs = d.StrsIn(&g.strs)
	g.ids = make(map[string]int32, len(g.refs))
	for id, ref := range g.refs {
		g.ids[ref] = int32(id)
	}
	g.types = d.Strs()
	g.typeJSON = make([]string, len(g.types))
	for id, t := range g.types {
		g.tids[t] = int32(id)
		g.typeJSON[id] = relationPrefix(t)
	}
	nrefs, ntypes := len(g.refs), len(g.types)
	g.out = make([][]rel, nrefs)
	nnodes := d.Count(nrefs)
	g.nodes = make(map[int32]*node, nnodes)
	nodes := make([]node, nnodes) // one allocation for all
	for i := range nodes {
		n := &nodes[i]
		n.id = int32(d.Count(nrefs - 1))
		n.uid = d.StrIn(&g.strs)
		n.kind, n.locationKey = shared(), shared()
		n.hash = d.Str()
		n.orphan = d.Bool()
		n.parents = d.IDs(nrefs)
		if ne := d.Count(math.MaxInt32); ne > 0 {
			n.edges = make([]cedge, ne)
			for j := range n.edges {
				n.edges[j] = cedge{src: int32(d.Count(nrefs - 1)), typ: int32(d.Count(ntypes - 1)), dst: int32(d.Count(nrefs - 1))}
			}
		}
		if status := d.Str(); status != "" {
			var st snapStatus
			if err := json.Unmarshal([]byte(status), &st); err != nil {
				return nil, nil, err
			}
			n.setExtra(n.loc(), st.Own, st.LocErrs)
		}
		if d.Err != nil {
			return nil, nil, d.Err
		}
		if g.nodes[n.id] != nil || n.uid == "" {
			return nil, nil, errors.New("a repeated or empty node")
		}
		g.nodes[n.id] = n
		if n.kind == "location" {
			locations = append(locations, g.refs[n.id])
		}
		for _, c := range n.edges {
			g.addEdge(n.id, c)
		}
	}
	for range d.Count(nrefs) {
		pid := int32(d.Count(nrefs - 1))
		files := map[string][]int32{}
		for range d.Count(math.MaxInt32) {
			file := shared()
			files[file] = d.IDs(nrefs)
		}
		g.children[pid] = files
	}
	if d.Err != nil {
		return nil, nil, d.Err
	}
	if _, err := d.R.ReadByte(); err != io.EOF {
		return nil, nil, errors.New("trailing bytes after the graph")
	}
	return g, locations, nil
}

// saveSnapshot is SaveSnapshot for Run, which logs a failure and goes on.
func (s *Service) saveSnapshot(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := s.SaveSnapshot(ctx); err != nil {
		s.log.Warn("catalog: snapshot not saved", "err", err)
	}
}
