package catalogbench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"callboard"
	"callboard/bench/orggen"
)

// org is what the queries need to know about a generated tree: every
// entity's ref, the team names, the words used in names, and the last
// generated component.
type org struct {
	refs  refList
	teams []string // group names of spec.type team
	words []string // distinct words of component names, for full-text terms
	last  callboard.EntityRef
}

// scanTree reads the names of every entity from the files orggen wrote.
// It relies on orggen's layout: each document starts with
// "kind: K\nmetadata:\n  name: N\n", and components are repos/<name>/.
func scanTree(tree string) (*org, error) {
	var files []string
	// The repos layout's folders, and the kinds layout's four files.
	for _, pattern := range []string{"org/*.yaml", "systems/*.yaml", "resources/*.yaml", "repos/*/catalog-info.yaml",
		"org.yaml", "systems.yaml", "components.yaml", "apis.yaml"} {
		m, err := filepath.Glob(filepath.Join(tree, pattern))
		if err != nil {
			return nil, err
		}
		files = append(files, m...)
	}
	var (
		mu      sync.Mutex
		o       org
		firstEr error
		wg      sync.WaitGroup
		next    = make(chan string)
	)
	for range runtime.GOMAXPROCS(0) * 2 {
		wg.Go(func() {
			var refs refList
			for f := range next {
				b, err := os.ReadFile(f)
				if err != nil {
					mu.Lock()
					firstEr = err
					mu.Unlock()
					continue
				}
				refs.appendFile(b)
			}
			mu.Lock()
			o.refs.appendList(&refs)
			mu.Unlock()
		})
	}
	for _, f := range files {
		next <- f
	}
	close(next)
	wg.Wait()
	if firstEr != nil {
		return nil, firstEr
	}
	// Sorted so that a seeded random pick is the same entity on every run.
	o.refs.sort()
	words := map[string]bool{}
	lastIndex := -1
	for i := range o.refs.len() {
		r := o.refs.at(i)
		switch r.Kind {
		case "Group":
			if strings.HasPrefix(r.Name, "team-") {
				o.teams = append(o.teams, r.Name)
			}
		case "Component":
			// prefix-NNNNN-word: NNNNN is the generation order.
			parts := strings.SplitN(r.Name, "-", 3)
			if len(parts) != 3 {
				continue
			}
			words[parts[2]] = true
			if i, err := strconv.Atoi(parts[1]); err == nil && i > lastIndex {
				lastIndex, o.last = i, r
			}
		}
	}
	for w := range words {
		o.words = append(o.words, w)
	}
	slices.Sort(o.words)
	if lastIndex < 0 || len(o.teams) == 0 || len(o.words) == 0 {
		return nil, fmt.Errorf("scan %s: no components or teams found; is it an orggen tree?", tree)
	}
	return &o, nil
}

// A refList holds the refs of the generated org, which live in the
// measured process for the whole run, without a pointer per ref: as
// EntityRefs (three strings each) they were 76 MB at 1M entities that
// every collection of the ingest had to scan. All refs are in the
// default namespace.
type refList struct {
	kinds []string // distinct kinds
	names []byte   // the names, back to back
	ents  []refEnt
}

// refEnt is one ref: its name in names and its kind in kinds.
type refEnt struct {
	off  uint32
	n    uint16
	kind uint8
}

func (l *refList) len() int { return len(l.ents) }

func (l *refList) at(i int) callboard.EntityRef {
	e := l.ents[i]
	return callboard.EntityRef{Kind: l.kinds[e.kind], Namespace: callboard.DefaultNamespace,
		Name: unsafe.String(&l.names[e.off], int(e.n))}
}

func (l *refList) add(kind, name []byte) {
	k := slices.IndexFunc(l.kinds, func(s string) bool { return s == string(kind) })
	if k < 0 {
		k = len(l.kinds)
		l.kinds = append(l.kinds, string(kind))
	}
	l.ents = append(l.ents, refEnt{off: uint32(len(l.names)), n: uint16(len(name)), kind: uint8(k)})
	l.names = append(l.names, name...)
}

// appendList appends the refs of m.
func (l *refList) appendList(m *refList) {
	for i := range m.len() {
		r := m.at(i)
		l.add([]byte(r.Kind), []byte(r.Name))
	}
}

// sort orders the refs by kind, then name.
func (l *refList) sort() {
	slices.SortFunc(l.ents, func(a, b refEnt) int {
		if c := strings.Compare(l.kinds[a.kind], l.kinds[b.kind]); c != 0 {
			return c
		}
		return bytes.Compare(l.names[a.off:a.off+uint32(a.n)], l.names[b.off:b.off+uint32(b.n)])
	})
}

// appendFile appends the refs of the documents in one descriptor file.
func (l *refList) appendFile(b []byte) {
	const head = "\nmetadata:\n  name: "
	for len(b) > 0 {
		i := bytes.Index(b, []byte("kind: "))
		if i < 0 {
			break
		}
		if i > 0 && b[i-1] != '\n' {
			b = b[i+len("kind: "):]
			continue
		}
		b = b[i+len("kind: "):]
		eol := bytes.IndexByte(b, '\n')
		if eol < 0 {
			break
		}
		kind := b[:eol]
		b = b[eol:]
		if !bytes.HasPrefix(b, []byte(head)) {
			continue
		}
		b = b[len(head):]
		eol = bytes.IndexByte(b, '\n')
		if eol < 0 {
			eol = len(b)
		}
		l.add(kind, b[:eol])
		b = b[eol:]
	}
}

func readStats(path string) (orggen.Stats, error) {
	var st orggen.Stats
	b, err := os.ReadFile(path)
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("%s: %w", path, err)
	}
	return st, nil
}

func writeStats(path string, st orggen.Stats) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
