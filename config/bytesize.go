package config

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// ByteSize is a size in bytes, written as an integer (8388608) or with a
// unit: "8MiB", "512 KiB", "8MB" (KiB, MiB, GiB are powers of 1024; KB, MB,
// GB powers of 1000; B is bytes).
type ByteSize int64

// String formats s with the largest binary unit that divides it.
func (s ByteSize) String() string {
	for _, u := range []struct {
		size ByteSize
		name string
	}{{1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}} {
		if s != 0 && s%u.size == 0 {
			return strconv.FormatInt(int64(s/u.size), 10) + u.name
		}
	}
	return strconv.FormatInt(int64(s), 10) + "B"
}

var (
	byteSizeRE    = regexp.MustCompile(`^(\d+(?:\.\d+)?) *([A-Za-z]*)$`)
	byteSizeUnits = map[string]float64{
		"": 1, "b": 1,
		"kb": 1e3, "mb": 1e6, "gb": 1e9,
		"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30,
	}
)

// ParseByteSize reads "8MiB", "512 KiB", "8MB", "100B" or "8388608".
func ParseByteSize(s string) (ByteSize, error) {
	m := byteSizeRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("cannot read %q as a size; want bytes (8388608) or a number and a unit: \"8MiB\", \"512KiB\", \"8MB\"", s)
	}
	unit, ok := byteSizeUnits[strings.ToLower(m[2])]
	if !ok {
		return 0, fmt.Errorf("unknown size unit %q in %q; use B, KiB, MiB, GiB, KB, MB or GB", m[2], s)
	}
	f, _ := strconv.ParseFloat(m[1], 64)
	f = math.Round(f * unit)
	if f > math.MaxInt64/2 {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return ByteSize(f), nil
}

// UnmarshalYAML accepts an integer or a string ParseByteSize reads.
func (s *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	var te typeErrors
	if n.Kind != yaml.ScalarNode {
		te.coll(n, "want a size such as 8MiB or 8388608, got %s", describe(n))
		return te.err()
	}
	x, err := ParseByteSize(n.Value)
	if err != nil {
		te.value(n, "%v", err)
		return te.err()
	}
	*s = x
	return nil
}

// MemoryLimit is catalog.memoryLimit: 0 follows the live heap ("follow"),
// -1 leaves the limit alone ("off"), a positive value is a fixed size.
type MemoryLimit int64

// UnmarshalYAML accepts "follow", "off" or a size ParseByteSize reads.
func (m *MemoryLimit) UnmarshalYAML(n *yaml.Node) error {
	var te typeErrors
	if n.Kind != yaml.ScalarNode {
		te.coll(n, "want follow, off or a size such as 512MiB, got %s", describe(n))
		return te.err()
	}
	switch strings.ToLower(strings.TrimSpace(n.Value)) {
	case "follow":
		*m = 0
		return nil
	case "off":
		*m = -1
		return nil
	}
	s, err := ParseByteSize(n.Value)
	if err == nil && s == 0 {
		err = fmt.Errorf("a memory limit of 0 bytes")
	}
	if err != nil {
		te.value(n, "%v; or follow (the live heap and half of it) or off (Go's default)", err)
		return te.err()
	}
	*m = MemoryLimit(s)
	return nil
}
