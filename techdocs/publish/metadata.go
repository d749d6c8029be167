package publish

import (
	"bytes"
	"encoding/json"
	"maps"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"callboard"
)

// Metadata is a site's techdocs_metadata.json. Keys it does not name are
// kept in Extra and written back unchanged, so the API serves what
// techdocs-cli or a plugin wrote.
type Metadata struct {
	SiteName        string `json:"site_name"`
	SiteDescription string `json:"site_description"`
	// ETag is the source revision the site was built from (a commit SHA or
	// the source's HTTP ETag); the builder compares it to decide whether
	// to rebuild.
	ETag string `json:"etag"`
	// BuildTimestamp is the build time in milliseconds since the Unix
	// epoch, as Backstage writes it; zero when absent. Scorecards read it
	// for freshness.
	BuildTimestamp int64 `json:"build_timestamp"`
	// Files lists the site's files, relative to its root.
	Files []string `json:"files,omitempty"`
	// Extra holds every other key.
	Extra map[string]json.RawMessage `json:"-"`
}

// BuildTime returns BuildTimestamp as a time, or the zero time.
func (m *Metadata) BuildTime() time.Time {
	if m.BuildTimestamp == 0 {
		return time.Time{}
	}
	return time.UnixMilli(m.BuildTimestamp)
}

// ParseMetadata decodes techdocs_metadata.json. Malformed JSON is Invalid.
// build_timestamp may be an integer, a float or a numeric string.
func ParseMetadata(b []byte) (*Metadata, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, callboard.Wrap(callboard.Invalid, err, "parse %s", MetadataFile)
	}
	m := &Metadata{}
	bad := func(key string, err error) error {
		return callboard.Wrap(callboard.Invalid, err, "parse %s: %s", MetadataFile, key)
	}
	// null values leave the zero value, as Backstage's JSON.parse would.
	strField := func(key string, dst *string) error {
		if v, ok := raw[key]; ok && string(v) != "null" {
			if err := json.Unmarshal(v, dst); err != nil {
				return bad(key, err)
			}
		}
		delete(raw, key)
		return nil
	}
	for key, dst := range map[string]*string{"site_name": &m.SiteName, "site_description": &m.SiteDescription, "etag": &m.ETag} {
		if err := strField(key, dst); err != nil {
			return nil, err
		}
	}
	if v, ok := raw["build_timestamp"]; ok && string(v) != "null" {
		ts, err := parseMillis(v)
		if err != nil {
			return nil, bad("build_timestamp", err)
		}
		m.BuildTimestamp = ts
	}
	delete(raw, "build_timestamp")
	if v, ok := raw["files"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &m.Files); err != nil {
			return nil, bad("files", err)
		}
	}
	delete(raw, "files")
	if len(raw) > 0 {
		m.Extra = raw
	}
	return m, nil
}

func parseMillis(v json.RawMessage) (int64, error) {
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		s = string(v)
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, err
	}
	return int64(math.Round(f)), nil
}

// MarshalJSON writes the known keys and Extra in one object.
func (m Metadata) MarshalJSON() ([]byte, error) {
	out := make(map[string]any, len(m.Extra)+5)
	for k, v := range m.Extra {
		out[k] = v
	}
	out["site_name"] = m.SiteName
	out["site_description"] = m.SiteDescription
	out["etag"] = m.ETag
	out["build_timestamp"] = m.BuildTimestamp
	if m.Files != nil {
		out["files"] = m.Files
	}
	return json.Marshal(out)
}

// UnmarshalJSON is ParseMetadata.
func (m *Metadata) UnmarshalJSON(b []byte) error {
	p, err := ParseMetadata(b)
	if err != nil {
		return err
	}
	*m = *p
	return nil
}

// clone returns a copy a caller may change without touching the cache.
func (m *Metadata) clone() *Metadata {
	c := *m
	c.Files = slices.Clone(m.Files)
	c.Extra = maps.Clone(m.Extra)
	return &c
}

// metaCache remembers parsed metadata by site, with the storage tag (an S3
// ETag, or a file's size and mtime) it was read at.
type metaCache struct {
	mu sync.Mutex
	m  map[string]metaEntry
}

type metaEntry struct {
	tag     string
	meta    *Metadata
	checked time.Time // when storage last confirmed tag
}

func (c *metaCache) get(key string) (metaEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	return e, ok
}

func (c *metaCache) put(key string, e metaEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]metaEntry{}
	}
	c.m[key] = e
}

func (c *metaCache) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
}
