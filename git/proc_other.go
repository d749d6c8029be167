//go:build !unix

package git

import "os/exec"

// killGroup leaves cmd as it is: without process groups, a timeout kills
// git and Cmd.WaitDelay releases the pipes its helpers hold.
func killGroup(cmd *exec.Cmd) {}
