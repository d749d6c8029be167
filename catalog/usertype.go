package catalog

import "callboard"

// CheckUserLocationType refuses location types a caller of the API or the
// portal may not register or analyse: file and embedded locations read the
// server's own disk, so only the operator configures them
// (catalog.locations). An empty type means url.
func CheckUserLocationType(typ string) error {
	switch typ {
	case "", TypeURL:
		return nil
	case TypeFile, TypeEmbedded:
		return callboard.Errorf(callboard.Invalid, "%s locations can only be configured in catalog.locations", typ)
	}
	return callboard.Errorf(callboard.Invalid, "location type must be url, not %q", typ)
}
