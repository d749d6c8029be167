package plugin

import (
	"context"
	"net/http"
)

// EventHandler receives the deliveries of one topic of Backstage's HTTP
// events endpoint, POST /api/events/http/<Topic> (GitHub's webhooks are
// topic "github"). The endpoint needs no sign-in: the handler checks each
// delivery's signature itself. The host caps bodies at 25 MiB and reads a
// few at a time.
type EventHandler struct {
	// Topic is the path segment: lower-case letters, digits and dashes.
	Topic string
	// Accept, when set, refuses a delivery from its headers alone (a
	// missing or malformed signature) before its body is read, so that
	// unauthenticated senders cannot make the server read large bodies.
	Accept func(header http.Header) error
	// Handle checks the delivery and acts on it. A nil error answers 202;
	// an error's kind gives the status (Unauthenticated: 401).
	Handle func(ctx context.Context, header http.Header, body []byte) error
}
