package index

// And returns a predicate matching what every non-nil p matches; nil when
// all are nil (which matches everything). Callers use it to narrow a
// client's query by a server-side condition such as a permission filter.
func And(ps ...*Predicate) *Predicate {
	out := &Predicate{}
	for _, p := range ps {
		if p != nil {
			out.all = append(out.all, p)
		}
	}
	switch len(out.all) {
	case 0:
		return nil
	case 1:
		return out.all[0]
	}
	return out
}
