package web

import (
	"context"
	"io"
	"net/http"

	"callboard"
)

// EventSink receives the deliveries of Backstage's HTTP events endpoint
// (/api/events/http/{topic}), GitHub's webhooks among them. It checks the
// delivery's signature itself: the endpoint needs no bearer token.
type EventSink interface {
	Event(ctx context.Context, topic string, header http.Header, body []byte) error
}

// EventPrecheck is implemented by sinks that can refuse a delivery from its
// topic and headers alone (a missing signature), before its body is read.
type EventPrecheck interface {
	Accept(topic string, header http.Header) error
}

// maxEventBody is GitHub's webhook payload cap; at most maxEventReads
// bodies are read at once, so unauthenticated senders cannot make the
// server hold many of them in memory.
const (
	maxEventBody  = 25 << 20
	maxEventReads = 4
)

func (s *Server) handleEvent(w http.ResponseWriter, r *http.Request) error {
	if s.opts.Events == nil {
		return callboard.Errorf(callboard.NotFound, "no event receivers are configured")
	}
	topic := r.PathValue("topic")
	if pc, ok := s.opts.Events.(EventPrecheck); ok {
		if err := pc.Accept(topic, r.Header); err != nil {
			return err
		}
	}
	select {
	case s.eventReads <- struct{}{}:
		defer func() { <-s.eventReads }()
	case <-r.Context().Done():
		return r.Context().Err()
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxEventBody+1))
	if err != nil {
		return callboard.Wrap(callboard.Invalid, err, "read event body")
	}
	if len(body) > maxEventBody {
		return callboard.Errorf(callboard.Invalid, "event body is larger than %d MiB", maxEventBody>>20)
	}
	if err := s.opts.Events.Event(r.Context(), topic, r.Header, body); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}
