package metrics_test

import "runtime"

// onLinux: the process collector reads /proc, so its series exist only there.
func onLinux() bool { return runtime.GOOS == "linux" }
