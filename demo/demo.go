// Package demo holds the catalog that `callboard serve` shows when no config
// names one: Lanting Pay (兰亭支付), an invented 100-person payments company
// with its teams, people, domains, systems, services, APIs and resources.
//
// The files form a repository-like tree. The root, catalog-info.yaml, is a
// Location whose relative targets (some of them globs) reach every other
// descriptor; API definitions are separate files pulled in with $text, and
// payment-service and order-service carry mkdocs.yml and docs/ for TechDocs.
package demo

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
)

//go:embed catalog
var files embed.FS

// Root is the path of the root Location file inside FS.
const Root = "catalog-info.yaml"

// FS returns the demo tree, rooted so that Root is at its top.
func FS() fs.FS {
	sub, err := fs.Sub(files, "catalog")
	if err != nil {
		panic(err) // "catalog" is a valid path; fs.Sub cannot fail
	}
	return sub
}

// WriteTo copies the demo tree into dir, creating dir if needed, so that
// users can edit it and point callboard at dir/catalog-info.yaml. It never
// overwrites: if any file it would write already exists, it stops with an
// error (files written before that point stay).
func WriteTo(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if err := os.CopyFS(dir, FS()); err != nil {
		return fmt.Errorf("demo: write to %s: %w", dir, err)
	}
	return nil
}
