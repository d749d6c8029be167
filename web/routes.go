package web

import "net/http"

// routes lists every route of the server.
func (s *Server) routes(mux *http.ServeMux) {
	const c = "/api/catalog"
	mux.Handle("GET "+c+"/entities", s.api(s.handleEntities))
	mux.Handle("GET "+c+"/entities/by-query", s.api(s.handleEntitiesByQuery))
	mux.Handle("POST "+c+"/entities/by-query", s.api(s.handleEntitiesByPredicate))
	mux.Handle("POST "+c+"/entities/by-refs", s.api(s.handleEntitiesByRefs))
	mux.Handle("GET "+c+"/entities/by-uid/{uid}", s.api(s.handleEntityByUID))
	mux.Handle("DELETE "+c+"/entities/by-uid/{uid}", s.write(s.handleEntityDelete))
	mux.Handle("GET "+c+"/entities/by-name/{kind}/{namespace}/{name}", s.api(s.handleEntityByName))
	mux.Handle("GET "+c+"/entities/by-name/{kind}/{namespace}/{name}/ancestry", s.api(s.handleEntityAncestry))
	mux.Handle("GET "+c+"/entity-facets", s.api(s.handleEntityFacets))
	mux.Handle("POST "+c+"/entity-facets", s.api(s.handleEntityFacetsByPredicate))
	mux.Handle("POST "+c+"/refresh", s.write(s.handleRefresh))
	mux.Handle("POST "+c+"/validate-entity", s.api(s.handleValidateEntity))
	mux.Handle("POST "+c+"/locations", s.write(s.handleLocationCreate))
	mux.Handle("GET "+c+"/locations", s.api(s.handleLocations))
	mux.Handle("POST "+c+"/locations/by-query", s.api(s.handleLocationsByQuery))
	mux.Handle("GET "+c+"/locations/{id}", s.api(s.handleLocation))
	mux.Handle("PUT "+c+"/locations/{id}", s.write(s.handleLocationUpdate))
	mux.Handle("DELETE "+c+"/locations/{id}", s.write(s.handleLocationDelete))
	mux.Handle("GET "+c+"/locations/by-entity/{kind}/{namespace}/{name}", s.api(s.handleLocationByEntity))
	mux.Handle("POST "+c+"/analyze-location", s.write(s.handleAnalyzeLocation))

	// TechDocs: Backstage's techdocs-backend routes (api_techdocs.go).
	const td = "/api/techdocs"
	mux.Handle("GET "+td+"/metadata/techdocs/{namespace}/{kind}/{name}", s.api(s.handleDocsMetadata))
	mux.Handle("GET "+td+"/metadata/entity/{namespace}/{kind}/{name}", s.api(s.handleDocsEntityMetadata))
	mux.Handle("GET "+td+"/static/docs/{namespace}/{kind}/{name}/{path...}", s.api(s.handleDocsStatic))
	mux.Handle("GET "+td+"/sync/{namespace}/{kind}/{name}", s.write(s.handleDocsSync))

	// Scaffolder: Backstage's scaffolder-backend routes (api_scaffolder.go).
	const sc = "/api/scaffolder/v2"
	mux.Handle("GET "+sc+"/templates/{namespace}/{kind}/{name}/parameter-schema", s.api(s.handleTemplateParameterSchema))
	mux.Handle("GET "+sc+"/actions", s.api(s.handleActionList))
	mux.Handle("POST "+sc+"/tasks", s.write(s.handleTaskCreate))
	mux.Handle("GET "+sc+"/tasks", s.api(s.handleTasks))
	mux.Handle("GET "+sc+"/tasks/{id}", s.api(s.handleTaskGet))
	mux.Handle("GET "+sc+"/tasks/{id}/events", s.api(s.handleTaskEvents))
	mux.Handle("GET "+sc+"/tasks/{id}/eventstream", s.api(s.handleTaskEventStream))
	mux.Handle("POST "+sc+"/tasks/{id}/cancel", s.write(s.handleTaskCancel))
	mux.Handle("POST "+sc+"/tasks/{id}/retry", s.write(s.handleTaskRetry))
	mux.Handle("POST "+sc+"/dry-run", s.write(s.handleDryRun))
	mux.Handle("GET /api/audit/events", s.api(s.handleAuditEvents))

	// Sign-in, Backstage's auth routes (middleware_auth.go, package auth).
	// start and handler/frame are browser navigations, so their errors are
	// pages; logout must come from our own pages.
	mux.Handle("GET /api/auth/{provider}/start", s.page(s.authRoute(Authenticator.Start)))
	mux.Handle("GET /api/auth/{provider}/handler/frame", s.page(s.authRoute(Authenticator.Frame)))
	mux.Handle("GET /api/auth/{provider}/refresh", s.api(s.authRoute(Authenticator.Refresh)))
	mux.Handle("POST /api/auth/{provider}/logout", s.csrf.Handler(s.api(s.authRoute(Authenticator.LogoutRoute))))
	// Backstage's HTTP events endpoint; deliveries are verified by the sink
	// (GitHub's HMAC signature), not by a bearer token (api_events.go).
	mux.Handle("POST /api/events/http/{topic}", s.api(s.handleEvent))

	// Plugins (package plugin): each one's routes under /api/<id>/, and
	// their facts about an entity (plugin_routes.go).
	s.pluginRoutes(mux)
	s.pluginPages(mux)
	mux.Handle("GET /api/facts/by-name/{kind}/{namespace}/{name}", s.api(s.handleFactsByName))

	// Health (api_health.go): open to anonymous callers (openPaths);
	// metrics need a caller outside dev mode, unless served on their own
	// port (backend.metrics.listen, package app).
	mux.Handle("GET /healthz", s.api(s.handleHealth))
	mux.Handle("GET /readyz", s.api(s.handleReady))
	mux.Handle("GET /.backstage/health/v1/readiness", s.api(s.handleReady))
	mux.Handle("GET /.backstage/health/v1/liveness", s.api(s.handleHealth))
	if s.opts.Metrics != nil {
		mux.Handle("GET "+s.metricsPath(), s.opts.Metrics)
	}
	mux.Handle("/api/", s.api(s.handleAPINotFound))

	// The portal's pages. Writes are POST forms guarded by s.form.
	mux.Handle("GET /{$}", s.page(s.handleHome))
	mux.Handle("GET /search", s.page(s.handleSearch))
	mux.Handle("GET /catalog", s.page(s.handleCatalogPage))
	mux.Handle("GET /api-docs", s.page(s.handleAPIsPage))
	mux.Handle("GET /apis", s.page(s.handleAPIsPage))
	mux.Handle("GET /catalog/{namespace}/{kind}/{name}", s.page(s.handleEntityPage))
	mux.Handle("GET /catalog/{namespace}/{kind}/{name}/{tab}", s.page(s.handleEntityPage))
	mux.Handle("GET /catalog/{namespace}/{kind}/{name}/unregister", s.page(s.handleUnregisterPage))
	mux.Handle("POST /catalog/{namespace}/{kind}/{name}/unregister", s.form(s.handleUnregister))
	mux.Handle("POST /catalog/{namespace}/{kind}/{name}/delete", s.form(s.handleDeleteOrphan))
	mux.Handle("POST /catalog/{namespace}/{kind}/{name}/refresh", s.form(s.handleRefreshEntity))
	mux.Handle("POST /catalog/{namespace}/{kind}/{name}/star", s.form(s.handleStar))
	mux.Handle("GET /catalog-import", s.page(s.handleRegisterPage))
	mux.Handle("POST /catalog-import/analyze", s.form(s.handleRegisterAnalyze))
	mux.Handle("POST /catalog-import", s.form(s.handleRegister))
	mux.Handle("POST /settings/team", s.csrf.Handler(s.page(s.handleTeamSet)))
	mux.Handle("GET /settings", s.page(s.handleSettings))
	mux.Handle("GET /signin", s.page(s.handleSignIn))
	mux.Handle("POST /signout", s.csrf.Handler(s.page(s.handleSignOut)))
	// TechDocs reader (ui_docs.go); its Docs tab is a plugin (plugin_docs.go).
	mux.Handle("GET /docs", s.page(s.handleDocsIndex))
	mux.Handle("GET /docs/{namespace}/{kind}/{name}", s.page(s.handleDocsRoot))
	mux.Handle("GET /docs/{namespace}/{kind}/{name}/{path...}", s.page(s.handleDocsPage))
	mux.Handle("GET /static/techdocs.css", s.page(s.handleDocsCSS))
	// Software templates (ui_create*.go): the template list, a template's
	// form (it posts to /api/scaffolder/v2/tasks), the task list and a task.
	mux.Handle("GET /create", s.page(s.handleCreatePage))
	mux.Handle("GET /create/templates/{namespace}/{name}", s.page(s.handleCreateForm))
	mux.Handle("GET /create/tasks", s.page(s.handleTasksPage))
	mux.Handle("GET /create/tasks/{id}", s.page(s.handleTaskPage))
	mux.Handle("GET /static/{path...}", s.page(s.handleStatic))
	mux.Handle("/", s.page(s.handlePageNotFound))
}
