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
// says why. The root's directory comes from dirs (nil: opened for this
// call).
func openBeneath(dirs *rootDirs, root, rel string) (*os.File, error) {
	dir, err := dirs.open(root)
	if err != nil {
		return nil, err
	}
	if dirs == nil {
		defer unix.Close(dir)
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

// rootDirs keeps the root directories one walk reads files in open, so
// that each file costs one openat2 rather than an open, a stat and a
// close of its root besides. Only for one walk: a root replaced later
// (a symlink swapped to a new checkout) must be opened again.
type rootDirs struct {
	mu  sync.Mutex
	fds map[string]int // root -> O_PATH descriptor
}

func newRootDirs() *rootDirs { return &rootDirs{fds: map[string]int{}} }

// open returns a descriptor of root's directory, which the caller closes
// only when d is nil. A root that is "/" is errSlowPath.
func (d *rootDirs) open(root string) (int, error) {
	if d != nil {
		d.mu.Lock()
		defer d.mu.Unlock()
		if fd, ok := d.fds[root]; ok {
			return fd, nil
		}
	}
	fd, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, err
	}
	if fsRoot := slashStat(); fsRoot == nil || (st.Dev == fsRoot.Dev && st.Ino == fsRoot.Ino) {
		unix.Close(fd)
		return -1, errSlowPath
	}
	if d != nil {
		d.fds[root] = fd
	}
	return fd, nil
}

// close closes the directories; the walk's reads are over.
func (d *rootDirs) close() {
	for _, fd := range d.fds {
		unix.Close(fd)
	}
	clear(d.fds)
}

// slashStat is the identity of "/", nil if it cannot be read.
var slashStat = sync.OnceValue(func() *unix.Stat_t {
	var st unix.Stat_t
	if unix.Stat("/", &st) != nil {
		return nil
	}
	return &st
})
