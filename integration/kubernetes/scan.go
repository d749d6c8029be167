package kubernetes

import (
	"bufio"
	"io"
)

// bufioScanner reads lines of up to 1 MiB.
func bufioScanner(r io.Reader, buf []byte) *bufio.Scanner {
	sc := bufio.NewScanner(r)
	sc.Buffer(buf, 1<<20)
	return sc
}
