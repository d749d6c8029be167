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
	refs  []callboard.EntityRef
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
			var refs []callboard.EntityRef
			var names nameBlocks
			for f := range next {
				b, err := os.ReadFile(f)
				if err != nil {
					mu.Lock()
					firstEr = err
					mu.Unlock()
					continue
				}
				refs = appendRefs(refs, &names, b)
			}
			mu.Lock()
			o.refs = append(o.refs, refs...)
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
	// Sort so a seeded random pick is the same entity on every run.
	slices.SortFunc(o.refs, func(a, b callboard.EntityRef) int { return strings.Compare(a.String(), b.String()) })
	words := map[string]bool{}
	lastIndex := -1
	for _, r := range o.refs {
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

// appendRefs appends the refs of the documents in one descriptor file.
func appendRefs(refs []callboard.EntityRef, names *nameBlocks, b []byte) []callboard.EntityRef {
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
		kind := internKind(b[:eol])
		b = b[eol:]
		if !bytes.HasPrefix(b, []byte(head)) {
			continue
		}
		b = b[len(head):]
		eol = bytes.IndexByte(b, '\n')
		if eol < 0 {
			eol = len(b)
		}
		refs = append(refs, callboard.EntityRef{Kind: kind, Namespace: callboard.DefaultNamespace, Name: names.clone(b[:eol])})
		b = b[eol:]
	}
	return refs
}

// The refs of the generated org live in the measured process for the
// whole run: a string each (2.3 million heap objects at 1M entities) would
// add to the heap and the collector's work the bench reports. Kinds are
// shared and names cut from 64 KiB blocks.
var kinds sync.Map // string -> string

func internKind(b []byte) string {
	if k, ok := kinds.Load(string(b)); ok {
		return k.(string)
	}
	k, _ := kinds.LoadOrStore(string(b), string(b))
	return k.(string)
}

// nameBlocks hands out strings cut from shared blocks.
type nameBlocks struct{ block []byte }

func (n *nameBlocks) clone(b []byte) string {
	if len(b) == 0 || len(b) > 1<<10 {
		return string(b)
	}
	if cap(n.block)-len(n.block) < len(b) {
		n.block = make([]byte, 0, 64<<10)
	}
	start := len(n.block)
	n.block = append(n.block, b...)
	return unsafe.String(&n.block[start], len(b))
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
