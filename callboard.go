// Package callboard holds the domain of the callboard developer portal: entities,
// references, relations, errors and the interfaces that the store, the catalog
// and the web layer share. It imports only the standard library.
package callboard

// Version and Commit are set by cmd/callboard at build time (-ldflags -X).
var (
	Version = "dev"
	Commit  = ""
)
