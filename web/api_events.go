package web

import (
	"io"
	"net/http"
	"strconv"

	"callboard"
	"callboard/plugin"
)

// maxEventBody is GitHub's webhook payload cap; at most maxEventReads
// bodies are read at once, so unauthenticated senders cannot make the
// server hold many of them in memory.
const (
	maxEventBody  = 25 << 20
	maxEventReads = 4
)

// handleEvent is Backstage's HTTP events endpoint,
// POST /api/events/http/{topic}: the delivery goes to the plugin handling
// the topic (GitHub's webhooks: topic github). It needs no sign-in; the
// handler checks the delivery's signature, from its headers before the
// body is read when it can.
func (s *Server) handleEvent(w http.ResponseWriter, r *http.Request) error {
	topic := r.PathValue("topic")
	h, ok := s.events[topic]
	if !ok {
		return callboard.Errorf(callboard.NotFound, "no event receiver handles topic %q", topic)
	}
	if h.Accept != nil {
		if err := h.Accept(r.Header); err != nil {
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
	if err := h.Handle(r.Context(), r.Header, body); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// eventHandlers indexes the plugins' event handlers by topic; it panics
// on a topic two plugins handle, a programmer error found at startup.
func eventHandlers(plugins []plugin.Enabled) map[string]plugin.EventHandler {
	out := map[string]plugin.EventHandler{}
	for _, p := range plugins {
		for _, h := range p.Events {
			if _, taken := out[h.Topic]; taken {
				panic("web: plugin " + p.ID + ": event topic " + strconv.Quote(h.Topic) + " is taken")
			}
			out[h.Topic] = h
		}
	}
	return out
}
