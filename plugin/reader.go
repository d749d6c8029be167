package plugin

import "callboard/urlread"

// URLReader reads the URLs of one host with a plugin's credentials (GitHub
// reads github.com and raw.githubusercontent.com through its API with its
// token): the portal's one URL reader asks it before reading over plain
// HTTP, and a host it serves needs no backend.reading.allow entry. It is
// urlread's Integration, so that the reader's rules (credentials only to
// their host, on every redirect hop) hold for plugins too.
type URLReader = urlread.Integration
