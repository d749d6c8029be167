package apidoc

import "strings"

type channelView struct {
	ID          string // anchor id
	Name        string // the channel's key
	Address     string // the topic or path, when it differs from Name
	Description string
	Params      []paramView
	Ops         []asyncOpView
}

type asyncOpView struct {
	Action      string // publish, subscribe (2.x); send, receive (3.x); "" for bare messages
	ID          string // operationId or the operation's key
	Summary     string
	Description string
	Messages    []messageView
}

type messageView struct {
	Name, Title, Summary, Description, ContentType string
	Payload, Headers                               *schemaView
}

// asyncAPI builds the view of an AsyncAPI 2.x or 3.x document.
func asyncAPI(root *omap) *docView {
	b := newSchemas(root)
	info := root.m("info")
	d := &docView{
		Spec: strings.TrimSpace("AsyncAPI " + root.s("asyncapi")), Title: info.s("title"),
		Version: info.s("version"), Description: info.s("description"),
	}
	d.Contact, d.License = contact(info)
	servers := root.m("servers")
	for _, name := range servers.ks() {
		s, _ := b.deref(servers.get(name))
		u := firstNonEmpty(s.s("url"), s.s("host")+s.s("pathname"))
		d.Servers = append(d.Servers, serverView{URL: u, Protocol: s.s("protocol"), Description: firstNonEmpty(s.s("description"), name)})
	}
	v3 := strings.HasPrefix(root.s("asyncapi"), "3") || root.has("operations")
	channels := root.m("channels")
	ids := map[string]int{}
	index := map[string]int{} // channel key → position in d.Channels
	for _, name := range channels.ks() {
		ch, _ := b.deref(channels.get(name))
		cv := channelView{ID: uniqueID(ids, "ch-"+anchor(name)), Name: name, Description: ch.s("description")}
		if a := ch.s("address"); a != "" && a != name {
			cv.Address = a
		}
		params := ch.m("parameters")
		for _, p := range params.ks() {
			pm, _ := b.deref(params.get(p))
			sv := b.view(pm.get("schema"), nil)
			if !pm.has("schema") {
				sv = &schemaView{Type: "string", Notes: notes(pm)}
			}
			cv.Params = append(cv.Params, paramView{In: "channel", Name: p, Type: sv.Label(), Description: pm.s("description"), Required: true, Notes: sv.Notes})
		}
		if !v3 {
			for _, action := range []string{"publish", "subscribe"} {
				if op := ch.m(action); op != nil {
					cv.Ops = append(cv.Ops, asyncOpView{
						Action: action, ID: op.s("operationId"), Summary: op.s("summary"),
						Description: op.s("description"), Messages: b.messages(op.get("message")),
					})
				}
			}
		}
		index[name] = len(d.Channels)
		d.Channels = append(d.Channels, cv)
	}
	if v3 {
		b.operations3(root, d, index)
	}
	return d
}

// operations3 attaches AsyncAPI 3 operations to their channels; a channel
// no operation uses still shows its messages.
func (b *schemas) operations3(root *omap, d *docView, index map[string]int) {
	ops := root.m("operations")
	used := map[int]bool{}
	for _, id := range ops.ks() {
		op, _ := b.deref(ops.get(id))
		ref := op.m("channel").s("$ref")
		i, ok := index[refName(ref)]
		if !ok || !strings.HasPrefix(ref, "#/channels/") {
			continue
		}
		used[i] = true
		ov := asyncOpView{Action: op.s("action"), ID: id, Summary: op.s("summary"), Description: op.s("description")}
		for _, m := range op.l("messages") {
			ov.Messages = append(ov.Messages, b.messages(m)...)
		}
		if len(ov.Messages) == 0 {
			ov.Messages = b.channelMessages(d.Channels[i].Name)
		}
		d.Channels[i].Ops = append(d.Channels[i].Ops, ov)
	}
	for i := range d.Channels {
		if !used[i] {
			if ms := b.channelMessages(d.Channels[i].Name); len(ms) > 0 {
				d.Channels[i].Ops = append(d.Channels[i].Ops, asyncOpView{Messages: ms})
			}
		}
	}
}

func (b *schemas) channelMessages(name string) []messageView {
	ch, _ := b.deref(b.root.m("channels").get(name))
	msgs := ch.m("messages")
	var out []messageView
	for _, k := range msgs.ks() {
		out = append(out, b.messages(msgs.get(k))...)
	}
	return out
}

// messages describes a message, or each alternative of a oneOf message.
func (b *schemas) messages(v any) []messageView {
	m, ref := b.deref(v)
	if m == nil {
		return nil
	}
	if alts := m.l("oneOf"); len(alts) > 0 {
		var out []messageView
		for _, a := range alts {
			out = append(out, b.messages(a)...)
		}
		return out
	}
	mv := messageView{
		Name: firstNonEmpty(m.s("name"), refName(ref)), Title: m.s("title"), Summary: m.s("summary"),
		Description: m.s("description"), ContentType: m.s("contentType"),
	}
	if m.has("payload") {
		p := m.get("payload")
		if pm := asMap(p); pm.has("schema") && pm.has("schemaFormat") {
			p = pm.get("schema") // a 3.x multi-format schema object
		}
		mv.Payload = b.view(p, nil)
	}
	headers := m.get("headers")
	for _, t := range m.l("traits") {
		tm, _ := b.deref(t)
		if headers == nil {
			headers = tm.get("headers")
		}
		if mv.ContentType == "" {
			mv.ContentType = tm.s("contentType")
		}
	}
	if headers != nil {
		mv.Headers = b.view(headers, nil)
	}
	return []messageView{mv}
}

// channelCount counts the channels of an AsyncAPI document.
func channelCount(root *omap) int { return len(root.m("channels").ks()) }
