package plugin

import (
	"fmt"
	"io"
	"net/http"
	"time"
)

// MaxResponseBytes bounds one answer a plugin reads from its outside
// system through NewHTTPClient's client.
const MaxResponseBytes = 32 << 20

// NewHTTPClient returns the client the host hands plugins as
// Env.HTTPClient: a 30 s timeout, and answers cut with an error past
// MaxResponseBytes, so that a misbehaving system cannot cost unbounded
// memory whatever the plugin reads. Go's client already drops the
// Authorization header on redirects to another host.
func NewHTTPClient() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: capped{http.DefaultTransport}}
}

// capped limits the body of every response.
type capped struct{ next http.RoundTripper }

func (c capped) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > MaxResponseBytes {
		resp.Body.Close()
		return nil, fmt.Errorf("%s answered %d bytes, over the %d MiB a plugin reads", req.URL.Host, resp.ContentLength, MaxResponseBytes>>20)
	}
	resp.Body = &cappedBody{ReadCloser: resp.Body, left: MaxResponseBytes, host: req.URL.Host}
	return resp, nil
}

type cappedBody struct {
	io.ReadCloser
	left int64
	host string
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, fmt.Errorf("%s answered more than the %d MiB a plugin reads", b.host, MaxResponseBytes>>20)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}
