package kubernetes

import (
	"slices"

	"callboard"
)

// The annotations that tie an entity to its cluster objects, Backstage's.
const (
	// AnnotationID is the entity's id; its objects carry the label
	// backstage.io/kubernetes-id=<id>.
	AnnotationID = "backstage.io/kubernetes-id"
	// AnnotationLabelSelector is a label selector for its objects; it
	// takes precedence over AnnotationID.
	AnnotationLabelSelector = "backstage.io/kubernetes-label-selector"
	// AnnotationNamespace restricts the lookup to one namespace.
	AnnotationNamespace = "backstage.io/kubernetes-namespace"
	// AnnotationCluster restricts the lookup to one cluster (by name).
	AnnotationCluster = "backstage.io/kubernetes-cluster"
)

// match is what an entity's objects are found by.
type match struct {
	selector  string // label selector
	namespace string // "" = every namespace
	cluster   string // "" = every cluster
}

// hasKubernetes reports whether e names its objects, as Backstage's
// isKubernetesAvailable does: the tab and the card apply to it.
func hasKubernetes(e *callboard.Entity) bool {
	return e.Annotation(AnnotationID) != "" || e.Annotation(AnnotationLabelSelector) != ""
}

// matchOf returns e's match. Without annotations the entity's name is its
// id, as in Backstage.
func matchOf(e *callboard.Entity) match {
	m := match{namespace: e.Annotation(AnnotationNamespace), cluster: e.Annotation(AnnotationCluster)}
	switch {
	case e.Annotation(AnnotationLabelSelector) != "":
		m.selector = e.Annotation(AnnotationLabelSelector)
	case e.Annotation(AnnotationID) != "":
		m.selector = AnnotationID + "=" + e.Annotation(AnnotationID)
	default:
		m.selector = AnnotationID + "=" + e.Metadata.Name
	}
	return m
}

// clustersFor returns the clusters m looks in.
func (s *settings) clustersFor(m match) []*cluster {
	if m.cluster == "" {
		return s.clusters
	}
	i := slices.IndexFunc(s.clusters, func(c *cluster) bool { return c.Name == m.cluster })
	if i < 0 {
		return nil
	}
	return s.clusters[i : i+1]
}
