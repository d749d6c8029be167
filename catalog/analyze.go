package catalog

import (
	"context"
	"net/url"
	"path"
	"strings"

	"callboard"
	"callboard/descriptor"
)

// Analysis is the answer of analyze-location, in Backstage's shape.
type Analysis struct {
	ExistingEntityFiles []ExistingEntityFile `json:"existingEntityFiles"`
	GenerateEntities    []GeneratedEntity    `json:"generateEntities"`
}

// ExistingEntityFile is an entity found in a descriptor at the location.
type ExistingEntityFile struct {
	Entity       *callboard.Entity  `json:"entity"`
	IsRegistered bool               `json:"isRegistered"`
	Location     callboard.Location `json:"location"`
}

// GeneratedEntity is a suggested entity for a location without descriptor
// (the root's type: integrations' analyzers make them too).
type GeneratedEntity = callboard.GeneratedEntity

// GeneratedField explains one field of a suggested entity.
type GeneratedField = callboard.GeneratedField

// AnalyzeLocation reads the descriptor at a location (a catalog-info.yaml
// URL or path, or a repository URL under which catalogFilename is looked
// up) and says what registering it would import. Without a descriptor it
// suggests a Component.
func (s *Service) AnalyzeLocation(ctx context.Context, typ, target, catalogFilename string) (*Analysis, error) {
	if typ == "" {
		typ = TypeURL
	}
	if typ == TypeURL {
		if u, err := url.Parse(target); err != nil || u.Host == "" {
			return nil, callboard.Errorf(callboard.Invalid, "The given location.target is not a URL")
		}
	}
	if catalogFilename == "" {
		catalogFilename = "catalog-info.yaml"
	}
	file := target
	if ext := path.Ext(target); ext != ".yaml" && ext != ".yml" {
		file = strings.TrimSuffix(target, "/") + "/" + catalogFilename
		if typ == TypeURL && strings.Contains(target, "github.com/") && !strings.Contains(target, "/blob/") {
			file = strings.TrimSuffix(target, "/") + "/blob/HEAD/" + catalogFilename
		}
	}
	analyzer, repoFile := s.repoAnalyzer(target, catalogFilename)
	if analyzer != nil && typ == TypeURL {
		file = repoFile
	}
	res := &Analysis{ExistingEntityFiles: []ExistingEntityFile{}, GenerateEntities: []GeneratedEntity{}}
	var data []byte
	var err error
	if typ == TypeFile {
		// Only the operator's own code gets here (the API refuses file
		// locations); still, read only inside the target's directory.
		data, err = ReadInRoot(fileRoot(file), fileRoot(file), file, maxReadSize)
	} else {
		data, err = s.opts.Reader.Read(ctx, typ, file)
	}
	switch {
	case callboard.ErrorKind(err) == callboard.NotFound && analyzer != nil && typ == TypeURL:
		gen, err := analyzer.Suggest(ctx, target)
		if err != nil {
			return nil, err
		}
		res.GenerateEntities = append(res.GenerateEntities, gen)
		return res, nil
	case callboard.ErrorKind(err) == callboard.NotFound:
		res.GenerateEntities = append(res.GenerateEntities, suggest(target))
		return res, nil
	case err != nil:
		return nil, err
	}
	docs, problems := descriptor.Parse(file, data)
	if len(problems) > 0 {
		return nil, callboard.Errorf(callboard.Invalid, "%s", problems[0].String())
	}
	for _, d := range docs {
		e, problems := descriptor.Validate(d)
		if e == nil {
			return nil, callboard.Errorf(callboard.Invalid, "%s", problems[0].String())
		}
		_, registered := s.idx.UIDByRef(e.Ref().String())
		res.ExistingEntityFiles = append(res.ExistingEntityFiles, ExistingEntityFile{
			Entity: e, IsRegistered: registered, Location: callboard.Location{Type: typ, Target: file}})
	}
	return res, nil
}

// suggest proposes a Component named after the last path segment.
func suggest(target string) GeneratedEntity {
	name := path.Base(strings.TrimSuffix(target, "/"))
	return GeneratedEntity{
		Entity: map[string]any{
			"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
			"metadata": map[string]any{"name": name},
			"spec":     map[string]any{"type": "service", "lifecycle": "production"},
		},
		Fields: []GeneratedField{
			{Field: "metadata.name", State: "analysisSuggestedValue", Value: name, Description: "named after the repository"},
			{Field: "spec.owner", State: "needsUserInput", Description: "the group that owns this component"},
		},
	}
}
