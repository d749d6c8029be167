//go:build !linux

package catalog

import "os"

// openBeneath is Linux's one-call open; elsewhere openInRoot takes the
// os.Root way.
func openBeneath(dirs *rootDirs, root, rel string) (*os.File, error) { return nil, errSlowPath }

// rootDirs is Linux's cache of open root directories.
type rootDirs struct{}

func newRootDirs() *rootDirs { return &rootDirs{} }

func (d *rootDirs) close() {}
