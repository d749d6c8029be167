package app

import (
	"context"
	"io"
	"strconv"

	"callboard"
	"callboard/search"
	"callboard/techdocs"
	"callboard/techdocs/docsync"
)

// searchDocs reads published sites for the search index through the
// docs syncer (which serves the publisher's files).
type searchDocs struct{ docs *docsync.Syncer }

// Version is the site's source revision and build time: both change on
// every publish, by this portal or by CI.
func (d searchDocs) Version(ctx context.Context, ref callboard.EntityRef) (string, error) {
	m, err := d.docs.Metadata(ctx, ref)
	if err != nil {
		return "", err
	}
	return m.ETag + "@" + strconv.FormatInt(m.BuildTimestamp, 10), nil
}

func (d searchDocs) Index(ctx context.Context, ref callboard.EntityRef) (io.ReadCloser, error) {
	body, _, err := d.docs.Open(ctx, ref, techdocs.SearchIndexFile)
	return body, err
}

var _ search.DocsSource = searchDocs{}
