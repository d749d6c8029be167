package web

import (
	"net/http"
	"strings"

	"callboard"
	"callboard/catalog"
)

type locationBody struct {
	Type   string `json:"type"`
	Target string `json:"target"`
}

func (s *Server) handleLocationCreate(w http.ResponseWriter, r *http.Request) error {
	var body locationBody
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	dry := isTrue(r.URL.Query().Get("dryRun"))
	target := body.Type + ":" + body.Target
	if err := s.authorize(r, callboard.PermLocationCreate, nil, target); err != nil {
		return err
	}
	if err := catalog.CheckUserLocationType(body.Type); err != nil {
		return err
	}
	loc, entities, exists, err := s.catalog.AddLocation(r.Context(), body.Type, body.Target, dry)
	if !dry {
		s.audit(r, callboard.PermLocationCreate, target, err, map[string]any{"id": loc.ID, "entities": len(entities)})
	}
	if err != nil {
		return err
	}
	resp := map[string]any{"location": loc, "entities": entities}
	if dry {
		resp["exists"] = exists
	}
	if entities == nil {
		resp["entities"] = []any{}
	}
	return writeJSON(w, http.StatusCreated, resp)
}

// isTrue reads Backstage's boolean query values.
func isTrue(v string) bool {
	switch strings.ToLower(v) {
	case "true", "yes", "1", "on":
		return true
	}
	return false
}

func (s *Server) handleLocations(w http.ResponseWriter, r *http.Request) error {
	if err := s.authorize(r, callboard.PermLocationRead, nil, "locations"); err != nil {
		return err
	}
	locs, err := s.catalog.Locations(r.Context())
	if err != nil {
		return err
	}
	out := make([]map[string]callboard.Location, len(locs))
	for i, l := range locs {
		out[i] = map[string]callboard.Location{"data": l}
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleLocation(w http.ResponseWriter, r *http.Request) error {
	if err := s.authorize(r, callboard.PermLocationRead, nil, "locations"); err != nil {
		return err
	}
	loc, err := s.catalog.Location(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, loc)
}

func (s *Server) handleLocationDelete(w http.ResponseWriter, r *http.Request) error {
	if err := s.deleteLocation(r, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleLocationByEntity(w http.ResponseWriter, r *http.Request) error {
	if err := s.authorize(r, callboard.PermLocationRead, nil, "locations"); err != nil {
		return err
	}
	loc, err := s.catalog.LocationByEntity(r.Context(), pathRef(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, loc)
}

func (s *Server) handleAnalyzeLocation(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Location        locationBody `json:"location"`
		CatalogFilename string       `json:"catalogFilename"`
	}
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	// Analysing reads the target as registering would: same permission.
	typ := body.Location.Type
	if typ == "" {
		typ = catalog.TypeURL
	}
	if err := s.authorize(r, callboard.PermLocationCreate, nil, typ+":"+body.Location.Target); err != nil {
		return err
	}
	if err := catalog.CheckUserLocationType(body.Location.Type); err != nil {
		return err
	}
	res, err := s.catalog.AnalyzeLocation(r.Context(), body.Location.Type, body.Location.Target, body.CatalogFilename)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}

// handleLocationUpdate points a location at a new target. That hands the
// location's entities to whatever the new target says, so it has its own
// permission, decided by who registered the location (admins and its
// creator by default), and every attempt is audited.
func (s *Server) handleLocationUpdate(w http.ResponseWriter, r *http.Request) error {
	var body locationBody
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	id := r.PathValue("id")
	details := map[string]any{"type": body.Type, "target": body.Target}
	if err := catalog.CheckUserLocationType(body.Type); err != nil {
		s.audit(r, callboard.PermLocationUpdate, id, err, details)
		return err
	}
	old, err := s.catalog.Location(r.Context(), id)
	if err != nil {
		s.audit(r, callboard.PermLocationUpdate, id, err, details)
		return err
	}
	details["from"] = old.Type + ":" + old.Target
	if err := s.authorizeCreated(r, callboard.PermLocationUpdate, old.CreatedBy, "location "+id); err != nil {
		return err // audited as denied
	}
	loc, err := s.catalog.UpdateLocation(r.Context(), id, body.Type, body.Target)
	s.audit(r, callboard.PermLocationUpdate, id, err, details)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, loc)
}
