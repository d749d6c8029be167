// Package helm holds callboard's Helm chart (callboard/) and, in its
// tests, renders it with the Helm SDK for several values files, lints it
// and decodes every object strictly into the Kubernetes API types.
// testdata/ holds the values files; docs/operations.md explains them.
package helm
