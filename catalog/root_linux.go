package catalog

import (
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/sys/unix"
)

// openBeneath opens rel under root with one openat2 call that the kernel
// keeps beneath root's directory (RESOLVE_BENEATH: no "..", absolute
// symlink or magic link leads out), where os.Root walks each component
// in user space. It refuses (errSlowPath) a root that is "/", which holds
// /proc, /sys and /dev; any error sends the caller the slow way, which
// says why.
func openBeneath(root, rel string) (*os.File, error) {
	dir, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(dir)
	var st unix.Stat_t
	if err := unix.Fstat(dir, &st); err != nil {
		return nil, err
	}
	if fsRoot := slashStat(); fsRoot == nil || (st.Dev == fsRoot.Dev && st.Ino == fsRoot.Ino) {
		return nil, errSlowPath
	}
	fd, err := unix.Openat2(dir, rel, &unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_NONBLOCK | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS,
	})
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), filepath.Join(root, rel)), nil
}

// slashStat is the identity of "/", nil if it cannot be read.
var slashStat = sync.OnceValue(func() *unix.Stat_t {
	var st unix.Stat_t
	if unix.Stat("/", &st) != nil {
		return nil
	}
	return &st
})
