package descriptor

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

// Limits bound what one document may grow to once its aliases are expanded
// and its placeholders read, so that a small file cannot make the catalog
// hold, store and serve hundreds of megabytes (catalog.limits).
type Limits struct {
	// MaxPlaceholders is the most $text/$json/$yaml placeholders one
	// document may hold (catalog.limits.maxPlaceholdersPerEntity); 0 means
	// DefaultMaxPlaceholders.
	MaxPlaceholders int
	// MaxBytes bounds the resolved document: the bytes of its keys and
	// scalars with aliases expanded, plus the bytes its placeholders read
	// (catalog.limits.maxEntityBytes); 0 means DefaultMaxBytes.
	MaxBytes int64
	// MaxFileBytes bounds the file parsed; 0 means DefaultMaxFileBytes.
	// The catalog raises it for its own catalog.locations files
	// (catalog.limits.maxFileBytes) and keeps the default for URL- and
	// API-registered ones (catalog.limits.maxRegisteredFileBytes).
	MaxFileBytes int64
	// MaxPlaceholderBytes bounds one $text/$json/$yaml target
	// (catalog.limits.maxPlaceholderBytes); 0 means
	// DefaultMaxPlaceholderBytes.
	MaxPlaceholderBytes int64
}

// Defaults of Limits. A real descriptor is a few kilobytes and an API
// definition pulled in with $text rarely passes a megabyte. Files default
// to the limit of untrusted (registered) locations: only the operator's
// own catalog.locations earn DefaultMaxTrustedFileBytes, enough for an
// exported file of 100k+ entities of one kind.
const (
	DefaultMaxPlaceholders     = 100
	DefaultMaxBytes            = 8 << 20
	DefaultMaxFileBytes        = 4 << 20
	DefaultMaxTrustedFileBytes = 64 << 20
	DefaultMaxPlaceholderBytes = 4 << 20
)

// Config keys named in limit errors, so that the reader knows what to raise.
const (
	placeholdersKey = "catalog.limits.maxPlaceholdersPerEntity"
	bytesKey        = "catalog.limits.maxEntityBytes"
	placeholderKey  = "catalog.limits.maxPlaceholderBytes"
	fileKey         = "catalog.limits.maxFileBytes"
)

func (l Limits) withDefaults() Limits {
	if l.MaxPlaceholders <= 0 {
		l.MaxPlaceholders = DefaultMaxPlaceholders
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = DefaultMaxFileBytes
	}
	if l.MaxPlaceholderBytes <= 0 {
		l.MaxPlaceholderBytes = DefaultMaxPlaceholderBytes
	}
	return l
}

// OverLimit reports whether ResolvePlaceholders stopped because the
// document passed one of its Limits. Such a document must be rejected: its
// problems say which limit, and nothing of it should be stored.
func (d *Doc) OverLimit() bool { return d.overLimit }

// ReadCache remembers what a ReadFunc returned, so that placeholders naming
// the same target (in one document or in several documents of one file)
// read it once. It keeps results while their total stays within MaxBytes;
// targets past that are read each time. The zero value is ready to use and
// safe for concurrent use.
type ReadCache struct {
	// MaxBytes bounds the bytes kept; 0 means DefaultMaxBytes.
	MaxBytes int64

	mu      sync.Mutex
	entries map[string]cachedRead
	size    int64
}

type cachedRead struct {
	data []byte
	err  error
}

// Wrap returns read with c in front of it.
func (c *ReadCache) Wrap(read ReadFunc) ReadFunc {
	return func(ctx context.Context, target string) ([]byte, error) {
		c.mu.Lock()
		if r, ok := c.entries[target]; ok {
			c.mu.Unlock()
			return r.data, r.err
		}
		c.mu.Unlock()
		data, err := read(ctx, target)
		if ctx.Err() != nil {
			return data, err // a cancelled read says nothing about the target
		}
		max := c.MaxBytes
		if max <= 0 {
			max = DefaultMaxBytes
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.size+int64(len(data)) <= max {
			if c.entries == nil {
				c.entries = map[string]cachedRead{}
			}
			c.entries[target] = cachedRead{data: data, err: err}
			c.size += int64(len(data))
		}
		return data, err
	}
}

// formatOver writes n, which is over limit, so that the two differ: "9.1
// MiB" against "8 MiB", but "8390117 bytes" rather than "8.0 MiB".
func formatOver(n, limit int64) string {
	for _, u := range byteUnits {
		if n >= u.size {
			s := fmt.Sprintf("%.1f %s", float64(n)/float64(u.size), u.name)
			if strings.TrimSuffix(s, ".0 "+u.name)+" "+u.name == formatBytes(limit) {
				break
			}
			return s
		}
	}
	return fmt.Sprintf("%d bytes", n)
}

var byteUnits = []struct {
	size int64
	name string
}{{1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}}

// formatBytes writes a limit exactly: "8 MiB", "300 KiB" or "5000 bytes".
func formatBytes(n int64) string {
	for _, u := range byteUnits {
		if n >= u.size && n%u.size == 0 {
			return fmt.Sprintf("%d %s", n/u.size, u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}
