package callboard

import "context"

// Search document types, as Backstage's search names them.
const (
	SearchTypeCatalog  = "software-catalog"
	SearchTypeTechDocs = "techdocs"
	SearchTypeTemplate = "scaffolder-template"
)

// SearchDocument is one searchable thing: an entity, a section of a
// TechDocs page, a software template. Each belongs to one entity (Entity),
// so that a caller who cannot read the entity never finds its documents.
type SearchDocument struct {
	// ID is unique within Type: the entity ref for entities and
	// templates, the ref plus the page location for docs.
	ID string
	// Type is one of the SearchType constants.
	Type string
	// Entity is the canonical ref of the entity the document is about.
	Entity string
	// Kind is the entity's kind as written ("Component"); Owner the
	// canonical ref of its owner, "" for none. Both are facets.
	Kind, Owner string
	// Name is the entity's name; Title what the result shows as its
	// title; AltName another name people search for (a user's display
	// name), "" for none. Matching these outranks matching the text.
	Name, Title, AltName string
	// Keywords are weighted between names and text: tags, type,
	// lifecycle, owner and system names, the page a section is on.
	Keywords []string
	// Text is the body that is searched and shown as the snippet.
	Text string
	// Fields is the whole document as the API returns it (Backstage's
	// title, text, location, kind, namespace, name, owner, ...).
	Fields map[string]any
}

// SearchSet is what one entity contributes to one document type: its
// documents, replacing every earlier one of that entity and type. No
// documents removes them. Version says what was indexed (an etag, a
// docs build), so that a reconciler can tell stale sets.
type SearchSet struct {
	Type, Entity, Version string
	Docs                  []SearchDocument
}

// SearchQuery asks for documents matching every word of Term (prefixes
// and near spellings of longer words count), in the given types, kinds
// and owners (empty: any), ranked best first.
type SearchQuery struct {
	Term                 string
	Types, Kinds, Owners []string
	Offset, Limit        int
	// Allow, when set, tells which entities (canonical refs) the caller
	// may read; documents of other entities are left out of hits and
	// counts. Only the best MaxCandidates matches are then considered.
	Allow         func(ctx context.Context, entities []string) ([]bool, error)
	MaxCandidates int
}

// SearchHit is a matching document.
type SearchHit struct {
	Doc   SearchDocument
	Score float64 // higher is better; comparable within one answer only
}

// SearchGroup counts the matches of one type, kind and owner.
type SearchGroup struct {
	Type, Kind, Owner string
	Count             int
}

// SearchAnswer is one page of hits, the counts of every match by group
// (filters on Types, Kinds and Owners not applied, so facets can show the
// alternatives), and the words that matched (for highlighting).
type SearchAnswer struct {
	Hits   []SearchHit
	Total  int // matches with every filter applied
	Groups []SearchGroup
	// GroupsPartial is set when Groups count only the first matches (a
	// thousand), not all Total of them.
	GroupsPartial bool
	Words         []string // the query's words and the indexed words they matched
}

// SearchStore keeps the search index. Errors: Invalid for a query that
// cannot run, Internal otherwise.
type SearchStore interface {
	// IndexSearch replaces, for each set, the documents of its entity and
	// type, in order.
	IndexSearch(ctx context.Context, sets []SearchSet) error
	// SearchVersions returns the Version of every indexed set of typ, by
	// entity.
	SearchVersions(ctx context.Context, typ string) (map[string]string, error)
	// Search runs q.
	Search(ctx context.Context, q SearchQuery) (*SearchAnswer, error)
}
