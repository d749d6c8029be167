//go:build !linux && !darwin

package app

// fdLimit returns 0: the open-file limit is not read on this system, and
// the connection cap stays web.DefaultMaxConns.
func fdLimit() uint64 { return 0 }
