package scaffold

import (
	"context"
	"encoding/json"
	"strings"

	"gopkg.in/yaml.v3"

	"callboard"
)

// LocationRegistrar registers and removes catalog locations;
// *catalog.Service satisfies it.
type LocationRegistrar interface {
	AddLocation(ctx context.Context, typ, target string, dryRun bool) (callboard.Location, []*callboard.Entity, bool, error)
	DeleteLocation(ctx context.Context, id string) error
}

// EntityReader reads catalog entities; *catalog.Service satisfies it.
type EntityReader interface {
	Entity(ctx context.Context, ref callboard.EntityRef) (*callboard.Entity, error)
}

// Catalog is what the catalog actions need from the catalog.
type Catalog interface {
	LocationRegistrar
	EntityReader
}

// CatalogRegisterInput is catalog:register's input: catalogInfoUrl, or
// repoContentsUrl with catalogInfoPath.
type CatalogRegisterInput struct {
	CatalogInfoURL  string `json:"catalogInfoUrl" description:"An absolute URL pointing to the catalog info file location"`
	RepoContentsURL string `json:"repoContentsUrl" description:"An absolute URL pointing to the root of a repository directory tree"`
	CatalogInfoPath string `json:"catalogInfoPath" description:"A relative path from the repo root pointing to the catalog info file, defaults to /catalog-info.yaml"`
	Optional        bool   `json:"optional" description:"Permit the registered location to optionally exist. Default: false"`
}

// CatalogWriteInput is catalog:write's input.
type CatalogWriteInput struct {
	Entity   map[string]any `json:"entity" required:"true" description:"You can provide the same values used in the Entity schema."`
	FilePath string         `json:"filePath" description:"Defaults to catalog-info.yaml"`
}

// CatalogFetchInput is catalog:fetch's input.
type CatalogFetchInput struct {
	EntityRef        string   `json:"entityRef" description:"Entity reference of the entity to get"`
	EntityRefs       []string `json:"entityRefs" description:"Entity references of the entities to get"`
	Optional         bool     `json:"optional" description:"Allow the entity or entities to optionally exist. Default: false"`
	DefaultKind      string   `json:"defaultKind" description:"The default kind"`
	DefaultNamespace string   `json:"defaultNamespace" description:"The default namespace"`
}

// catalogUndo is what catalog:register records to undo itself.
type catalogUndo struct {
	LocationID string `json:"locationId"`
	Target     string `json:"target"`
}

func (b *Builtins) catalogRegister(sc callboard.StepContext, in CatalogRegisterInput) error {
	target := in.CatalogInfoURL
	if target == "" {
		if in.RepoContentsURL == "" && sc.DryRun() {
			// The URL usually comes from a publish step a dry run skips.
			sc.Logf("Would register the catalog-info file of the published repository; its URL is known only after a real publish")
			return nil
		}
		if in.RepoContentsURL == "" {
			return callboard.Errorf(callboard.Invalid, "input needs catalogInfoUrl, or repoContentsUrl (with catalogInfoPath)")
		}
		p := in.CatalogInfoPath
		if p == "" {
			p = "/catalog-info.yaml"
		}
		target = strings.TrimSuffix(in.RepoContentsURL, "/") + "/" + strings.TrimPrefix(p, "/")
	}
	typ := "url"
	if rest, ok := strings.CutPrefix(target, "file://"); ok {
		// A template's inputs come from users: file locations would read
		// any file of the server. Only where local remotes are allowed
		// (scaffolder.git.allowFileRemotes, tests and local use).
		if !b.AllowFileRemotes {
			return callboard.Errorf(callboard.Invalid, "catalogInfoUrl %s: file:// locations are refused unless scaffolder.git.allowFileRemotes is set", target)
		}
		typ, target = "file", rest
	}
	sc.Output("catalogInfoUrl", target)
	if sc.DryRun() {
		sc.Logf("Would register %s:%s in the catalog", typ, target)
		return nil
	}
	if b.Catalog == nil {
		return callboard.Errorf(callboard.Internal, "catalog:register has no catalog in this process")
	}
	sc.Logf("Registering %s in the catalog", target)
	loc, entities, _, err := b.Catalog.AddLocation(sc.Context(), typ, target, false)
	if callboard.ErrorKind(err) == callboard.Conflict {
		// Registered before (a retry, or by hand): not ours to undo. Read
		// it without storing to name the entity.
		sc.Logf("%s is already registered; keeping it", target)
		_, entities, _, err = b.Catalog.AddLocation(sc.Context(), typ, target, true)
		outputEntityRef(sc, entities)
		return err
	}
	if err != nil {
		if in.Optional {
			sc.Logf("Not registered (optional): %s", callboard.ErrorMessage(err))
			return nil
		}
		return err
	}
	sc.SetUndo(catalogUndo{LocationID: loc.ID, Target: target})
	if ref := outputEntityRef(sc, entities); ref != "" {
		sc.Logf("Registered %s", ref)
	}
	return nil
}

// outputEntityRef sets the entityRef output to the first entity that is
// not a Location, as Backstage does, and returns it.
func outputEntityRef(sc callboard.StepContext, entities []*callboard.Entity) string {
	for _, e := range entities {
		if !strings.EqualFold(e.Kind, "Location") {
			ref := strings.ToLower(e.Ref().String())
			sc.Output("entityRef", ref)
			return ref
		}
	}
	return ""
}

func (b *Builtins) catalogUnregister(sc callboard.StepContext, state json.RawMessage) error {
	var u catalogUndo
	if err := json.Unmarshal(state, &u); err != nil || u.LocationID == "" {
		return callboard.Errorf(callboard.Internal, "catalog:register undo state %s is unreadable", state)
	}
	if err := b.Catalog.DeleteLocation(sc.Context(), u.LocationID); err != nil && callboard.ErrorKind(err) != callboard.NotFound {
		return err
	}
	sc.Logf("Unregistered location %s (%s)", u.LocationID, u.Target)
	return nil
}

func catalogWrite(sc callboard.StepContext, in CatalogWriteInput) error {
	p := in.FilePath
	if p == "" {
		p = "catalog-info.yaml"
	}
	dst, err := sc.Path(p)
	if err != nil {
		return err
	}
	out, err := yaml.Marshal(in.Entity)
	if err != nil {
		return callboard.Wrap(callboard.Invalid, err, "input.entity cannot be written as YAML")
	}
	if err := writeFile(dst, out, 0o644); err != nil {
		return err
	}
	sc.Logf("Wrote %s", p)
	return nil
}

func (b *Builtins) catalogFetch(sc callboard.StepContext, in CatalogFetchInput) error {
	if in.EntityRef == "" && len(in.EntityRefs) == 0 {
		return callboard.Errorf(callboard.Invalid, "input needs entityRef or entityRefs")
	}
	if b.Catalog == nil {
		return callboard.Errorf(callboard.Internal, "catalog:fetch has no catalog in this process")
	}
	kind, ns := in.DefaultKind, in.DefaultNamespace
	if ns == "" {
		ns = callboard.DefaultNamespace
	}
	get := func(s string) (any, error) {
		ref, err := callboard.ParseRef(s, kind, ns)
		if err != nil {
			return nil, callboard.Wrap(callboard.Invalid, err, "entity ref %q", s)
		}
		e, err := b.Catalog.Entity(sc.Context(), ref)
		if callboard.ErrorKind(err) == callboard.NotFound && in.Optional {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return toMap(e), nil
	}
	if in.EntityRef != "" {
		e, err := get(in.EntityRef)
		if err != nil {
			return err
		}
		sc.Output("entity", e)
	}
	if len(in.EntityRefs) > 0 {
		list := make([]any, 0, len(in.EntityRefs))
		for _, r := range in.EntityRefs {
			e, err := get(r)
			if err != nil {
				return err
			}
			list = append(list, e)
		}
		sc.Output("entities", list)
	}
	return nil
}
