package web

import "net/http"

// routes lists every route of the server.
func (s *Server) routes(mux *http.ServeMux) {
	const c = "/api/catalog"
	mux.Handle("GET "+c+"/entities", s.api(s.handleEntities))
	mux.Handle("GET "+c+"/entities/by-query", s.api(s.handleEntitiesByQuery))
	mux.Handle("POST "+c+"/entities/by-refs", s.api(s.handleEntitiesByRefs))
	mux.Handle("GET "+c+"/entities/by-uid/{uid}", s.api(s.handleEntityByUID))
	mux.Handle("DELETE "+c+"/entities/by-uid/{uid}", s.write(s.handleEntityDelete))
	mux.Handle("GET "+c+"/entities/by-name/{kind}/{namespace}/{name}", s.api(s.handleEntityByName))
	mux.Handle("GET "+c+"/entities/by-name/{kind}/{namespace}/{name}/ancestry", s.api(s.handleEntityAncestry))
	mux.Handle("GET "+c+"/entity-facets", s.api(s.handleEntityFacets))
	mux.Handle("POST "+c+"/refresh", s.write(s.handleRefresh))
	mux.Handle("POST "+c+"/validate-entity", s.api(s.handleValidateEntity))
	mux.Handle("POST "+c+"/locations", s.write(s.handleLocationCreate))
	mux.Handle("GET "+c+"/locations", s.api(s.handleLocations))
	mux.Handle("GET "+c+"/locations/{id}", s.api(s.handleLocation))
	mux.Handle("DELETE "+c+"/locations/{id}", s.write(s.handleLocationDelete))
	mux.Handle("GET "+c+"/locations/by-entity/{kind}/{namespace}/{name}", s.api(s.handleLocationByEntity))
	mux.Handle("POST "+c+"/analyze-location", s.write(s.handleAnalyzeLocation))
	mux.Handle("GET /healthz", s.api(s.handleHealth))
	mux.Handle("GET /.backstage/health/v1/readiness", s.api(s.handleHealth))
	mux.Handle("GET /.backstage/health/v1/liveness", s.api(s.handleHealth))
	mux.Handle("/api/", s.api(s.handleAPINotFound))
}
