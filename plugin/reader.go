package plugin

import (
	"context"
	"net/url"
)

// URLReader reads the URLs of one host with a plugin's credentials (GitHub
// reads github.com and raw.githubusercontent.com through its API with its
// token). The portal asks it before reading over plain HTTP; a URL it
// handles needs no backend.reading.allow entry.
type URLReader struct {
	// Host is the host it reads, as in the URL ("github.com",
	// "ghe.example.com:8443").
	Host string
	// Read reads u; handled is false for a URL it does not serve after
	// all (another path of the host), which the portal then reads as
	// any other.
	Read func(ctx context.Context, u *url.URL) (data []byte, handled bool, err error)
}
