//go:build !linux

package catalog

import "os"

// openBeneath is Linux's one-call open; elsewhere openInRoot takes the
// os.Root way.
func openBeneath(root, rel string) (*os.File, error) { return nil, errSlowPath }
