package techdocs

import (
	"bytes"
	"os"
	"testing"
)

// TestNavCacheMatchesFullRender: Write's nav skeleton gives the same pages
// as rendering each page's nav from scratch.
func TestNavCacheMatchesFullRender(t *testing.T) {
	for _, dir := range []string{"testdata/fulltree", "testdata/derived"} {
		site, err := Build(os.DirFS(dir), BuildOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// A nav linking one page twice, under the same and another title.
		if len(site.Nav) > 0 && len(site.Pages) > 0 {
			p := site.Pages[0]
			url := linkURL(p.URL)
			site.Nav = append(site.Nav,
				NavItem{Title: "Again", Path: p.Path, URL: url},
				NavItem{Title: "Again", Path: p.Path, URL: url},
				NavItem{Title: "Other", Path: p.Path, URL: url},
				NavItem{Title: "Ext", URL: "https://example.com/", External: true},
				// URLs html/template escapes: a scheme-like first
				// segment, quotes, plus, ampersand, spaces, non-ASCII.
				NavItem{Title: "Odd", Children: []NavItem{
					{Title: "Colon", Path: "a:b/c.md", URL: "a:b/c/"},
					{Title: "Quote", Path: "we'ird+&x/é p.md", URL: "we'ird+&x/é p/"},
					{Title: "Percent", Path: "100%.md", URL: "100%/"},
				}},
				NavItem{Title: "Empty section", Children: []NavItem{}})
		}
		navs := &navCache{}
		for range 2 { // the second pass is served from the cache
			for i := range site.Pages {
				p := &site.Pages[i]
				var want, got bytes.Buffer
				if err := RenderStandalone(&want, site, p, LayoutOptions{}); err != nil {
					t.Fatal(err)
				}
				if err := renderStandalone(&got, site, p, LayoutOptions{}, navs); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got.Bytes(), want.Bytes()) {
					t.Errorf("%s %s: cached nav differs", dir, p.Path)
				}
			}
		}
	}
}
