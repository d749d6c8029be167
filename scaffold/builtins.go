package scaffold

// Builtins holds what the built-in actions need from outside the package.
type Builtins struct {
	// Fetcher reads templates and files for the fetch actions; nil reads
	// file:// URLs only.
	Fetcher Fetcher
	// Catalog serves catalog:register and catalog:fetch; nil makes them
	// fail.
	Catalog Catalog
	// GitAllowHosts lists the hosts publish:git may push to over http(s).
	GitAllowHosts []string
	// AllowFileRemotes lets publish:git push to file:// remotes (tests and
	// single-machine setups).
	AllowFileRemotes bool
}

// AddBuiltins registers Backstage's core actions and publish:git.
func AddBuiltins(a *Actions, b *Builtins) {
	if b.Fetcher == nil {
		b.Fetcher = &URLFetcher{}
	}
	Add(a, "fetch:plain", b.fetchPlain, SupportsDryRun(),
		WithDescription("Downloads content and places it in the workspace, or optionally in a subdirectory specified by the targetPath input option."))
	Add(a, "fetch:plain:file", b.fetchPlainFile, SupportsDryRun(),
		WithDescription("Downloads single file and places it in the workspace."))
	Add(a, "fetch:template", b.fetchTemplate, SupportsDryRun(),
		WithDescription("Downloads a skeleton, templates variables into file and directory names and content, and places the result in the workspace, or optionally in a subdirectory specified by the targetPath input option."),
		WithExamples(Example{Description: "Downloads a skeleton directory that lives alongside the template file and fill it out with values.",
			Example: "steps:\n  - action: fetch:template\n    id: fetch-template\n    name: Fetch template\n    input:\n      url: ./skeleton\n      values:\n        name: test-project\n"}))
	Add(a, "fs:delete", fsDelete, SupportsDryRun(), WithDescription("Deletes files and directories from the workspace"))
	Add(a, "fs:rename", fsRename, SupportsDryRun(), WithDescription("Renames files and directories within the workspace"))
	Add(a, "debug:log", debugLog, SupportsDryRun(),
		WithDescription("Writes a message into the log and/or lists all files in the workspace."))
	Add(a, "debug:wait", debugWait, SupportsDryRun(), WithDescription("Waits for a certain period of time."))
	Add(a, "catalog:register", b.catalogRegister, SupportsDryRun(), WithUndo(b.catalogUnregister),
		WithDescription("Registers entities from a catalog descriptor file in the workspace into the software catalog."),
		WithOutputSchema(objectSchema("entityRef", "catalogInfoUrl")))
	Add(a, "catalog:write", catalogWrite, SupportsDryRun(), WithDescription("Writes the catalog-info.yaml for your template"))
	Add(a, "catalog:fetch", b.catalogFetch, SupportsDryRun(),
		WithDescription("Returns entity or entities from the catalog by entity reference(s)"),
		WithOutputSchema(map[string]any{"type": "object", "properties": map[string]any{
			"entity": map[string]any{"type": "object"}, "entities": map[string]any{"type": "array"}}}))
	Add(a, "publish:git", b.publishGit, SupportsDryRun(), WithUndo(b.unpublishGit),
		WithDescription("Initializes a git repository of the content in the workspace and pushes it as a new branch of any git remote. Undo deletes that branch."),
		WithOutputSchema(objectSchema("remoteUrl", "repoContentsUrl", "commitHash")))
}

// objectSchema is the schema of an object of string properties.
func objectSchema(names ...string) map[string]any {
	props := map[string]any{}
	for _, n := range names {
		props[n] = map[string]any{"type": "string"}
	}
	return map[string]any{"type": "object", "properties": props}
}
