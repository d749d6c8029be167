package index

// RefsByUID returns the canonical refs of the entities with the given uids,
// "" where a uid is unknown: RefByUID for a page of results under one
// acquisition of the lock.
func (x *Index) RefsByUID(uids []string) []string {
	out := make([]string, len(uids))
	x.mu.RLock()
	defer x.mu.RUnlock()
	for i, uid := range uids {
		if o, ok := x.byUID[uid]; ok {
			out[i] = x.refOf(o)
		}
	}
	return out
}
