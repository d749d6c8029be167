package kubernetes

import (
	"path"
	"slices"
	"sort"
	"strings"

	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"callboard"
)

// fsRoot is where a checkout's files sit in kustomize's in-memory file
// system.
const fsRoot = "/repo"

// render returns the objects declared in dir of co: the output of
// kustomize (in process, over the checkout's files in memory) when dir
// holds a kustomization, else the YAML and JSON files directly in dir, as
// `kubectl apply -f dir` reads them. Kustomizations that name anything
// remote are refused before kustomize runs, so that kustomize itself never
// clones or downloads: only the allow-listed readers reach hosts.
func render(co *checkout, dir string) ([]Object, error) {
	fs := filesys.MakeFsInMemory()
	var kustomizations []string
	for name, data := range co.files {
		if err := fs.WriteFile(path.Join(fsRoot, name), data); err != nil {
			return nil, err
		}
		if slices.Contains(konfig.RecognizedKustomizationFileNames(), path.Base(name)) {
			kustomizations = append(kustomizations, name)
		}
	}
	sort.Strings(kustomizations)
	hasKustomization := false
	for _, k := range kustomizations {
		if path.Dir(k) == dir {
			hasKustomization = true
		}
		if err := refuseRemote(k, co.files[k]); err != nil {
			return nil, err
		}
	}
	if !hasKustomization {
		return plainManifests(co, dir)
	}
	opts := krusty.MakeDefaultOptions() // plugins, exec and helm off; files only below each kustomization's root
	m, err := krusty.MakeKustomizer(opts).Run(fs, path.Join(fsRoot, dir))
	if err != nil {
		return nil, callboard.Errorf(callboard.Invalid, "kustomize build %s at %s: %s", dir, short(co.commit), strings.ReplaceAll(err.Error(), fsRoot+"/", ""))
	}
	if m.Size() > maxManifests {
		return nil, callboard.Errorf(callboard.Invalid, "kustomize build %s: %d objects, more than %d", dir, m.Size(), maxManifests)
	}
	out, err := m.AsYaml()
	if err != nil {
		return nil, callboard.Errorf(callboard.Invalid, "kustomize build %s: %v", dir, err)
	}
	objs, err := decodeManifests(out)
	if err != nil {
		return nil, callboard.Errorf(callboard.Invalid, "kustomize build %s: %v", dir, err)
	}
	return objs, nil
}

// plainManifests decodes the .yaml, .yml and .json files directly in dir.
func plainManifests(co *checkout, dir string) ([]Object, error) {
	var names []string
	for name := range co.files {
		switch path.Ext(name) {
		case ".yaml", ".yml", ".json":
			if path.Dir(name) == dir {
				names = append(names, name)
			}
		}
	}
	if len(names) == 0 {
		return nil, callboard.Errorf(callboard.NotFound, "%s at %s holds no kustomization.yaml and no .yaml manifests", dir, short(co.commit))
	}
	sort.Strings(names)
	var out []Object
	for _, name := range names {
		objs, err := decodeManifests(co.files[name])
		if err != nil {
			return nil, callboard.Errorf(callboard.Invalid, "%s at %s: %v", name, short(co.commit), err)
		}
		out = append(out, objs...)
		if len(out) > maxManifests {
			return nil, callboard.Errorf(callboard.Invalid, "%s: more than %d objects", dir, maxManifests)
		}
	}
	return out, nil
}

// pathFields are the kustomization fields that name files or folders,
// each a string, a list of strings, or a list of objects whose listed
// keys are.
var pathFields = map[string][]string{
	"resources": nil, "bases": nil, "components": nil, "crds": nil, "configurations": nil,
	"generators": nil, "transformers": nil, "validators": nil, "patchesStrategicMerge": nil,
	"patches": {"path"}, "patchesJson6902": {"path"}, "replacements": {"path"},
	"configMapGenerator": {"files", "envs", "env"}, "secretGenerator": {"files", "envs", "env"},
	"openapi": {"path"},
}

// refuseRemote is an error when the kustomization file name names a remote
// base or file (a URL, a git repository such as
// github.com/org/repo//dir?ref=v1, user@host:repo), or a Helm chart:
// kustomize would fetch them itself, past the portal's allow-list.
func refuseRemote(name string, data []byte) error {
	var k map[string]any
	if err := k8syaml.Unmarshal(data, &k); err != nil {
		return callboard.Errorf(callboard.Invalid, "%s: %v", name, err)
	}
	if k["helmCharts"] != nil || k["helmChartInflationGenerator"] != nil {
		return callboard.Errorf(callboard.Invalid, "%s: helmCharts are not rendered; drift compares plain manifests and kustomize overlays", name)
	}
	for field, keys := range pathFields {
		for _, p := range pathsIn(k[field], keys) {
			if looksRemote(p) {
				return callboard.Errorf(callboard.Invalid, "%s: %s names the remote %q; callboard renders only files of the entity's repository (vendor the base into it)", name, field, p)
			}
		}
	}
	return nil
}

// pathsIn returns the strings of v (a string or a list), or of the keys
// of its objects.
func pathsIn(v any, keys []string) []string {
	var out []string
	switch v := v.(type) {
	case string:
		out = append(out, v)
	case []any:
		for _, it := range v {
			out = append(out, pathsIn(it, keys)...)
		}
	case map[string]any:
		for _, key := range keys {
			out = append(out, pathsIn(v[key], nil)...)
		}
	}
	return out
}

// looksRemote matches what kustomize reads as a URL or a git repository:
// a scheme, user@host:path, github.com/..., go-getter's git:: prefix.
func looksRemote(p string) bool {
	if strings.Contains(p, "\n") {
		return false // an inline patch
	}
	lower := strings.ToLower(strings.TrimSpace(p))
	return strings.HasPrefix(lower, "git::") || strings.Contains(lower, "://") || strings.HasPrefix(lower, "github.com") ||
		strings.HasPrefix(lower, "gh:") || strings.Contains(strings.SplitN(lower, "/", 2)[0], "@")
}
