package callboard

import "context"

// The permissions callboard checks, named as Backstage names them. A policy
// (auth/policy) decides each one; resource permissions are decided per
// entity and, for reads, turned into a query condition.
const (
	PermEntityRead        = "catalog.entity.read"    // resource: catalog-entity
	PermEntityDelete      = "catalog.entity.delete"  // resource: catalog-entity
	PermEntityRefresh     = "catalog.entity.refresh" // resource: catalog-entity
	PermLocationRead      = "catalog.location.read"
	PermLocationCreate    = "catalog.location.create"
	PermLocationUpdate    = "catalog.location.update" // resource: catalog-location, decided per location by its creator
	PermLocationDelete    = "catalog.location.delete"
	PermTaskCreate        = "scaffolder.task.create"
	PermTaskRead          = "scaffolder.task.read"               // resource: scaffolder-task, decided per task by its creator
	PermTaskCancel        = "scaffolder.task.cancel"             // resource: scaffolder-task, decided per task by its creator
	PermTemplateParamRead = "scaffolder.template.parameter.read" // resource: catalog-entity (the template)
	PermActionExecute     = "scaffolder.action.execute"
	PermDocsSync          = "techdocs.sync" // resource: catalog-entity
	PermAuditRead         = "audit.read"
)

// ResourceEntity is the resource type of permissions decided per entity.
const ResourceEntity = "catalog-entity"

// Permissions lists every permission with its resource type ("" for none),
// for policy validation and documentation.
var Permissions = map[string]string{
	PermEntityRead: ResourceEntity, PermEntityDelete: ResourceEntity, PermEntityRefresh: ResourceEntity,
	PermLocationRead: "catalog-location", PermLocationCreate: "catalog-location",
	PermLocationUpdate: "catalog-location", PermLocationDelete: "catalog-location",
	PermTaskCreate: "scaffolder-task", PermTaskRead: "scaffolder-task", PermTaskCancel: "scaffolder-task",
	PermTemplateParamRead: ResourceEntity, PermActionExecute: "scaffolder-action",
	PermDocsSync: ResourceEntity, PermAuditRead: "audit",
}

// ByCreator lists the permissions decided per resource that is no entity,
// by who created it (Authorizer.AuthorizeCreated): a task's reads and
// cancel (Backstage's isTaskOwner rule), a location's update.
var ByCreator = map[string]bool{PermTaskRead: true, PermTaskCancel: true, PermLocationUpdate: true}

// Permission declares a permission a plugin checks (package plugin), so
// that policies may name it and `callboard policy check/test` know it.
type Permission struct {
	// Name is the permission's name, "<plugin>.<noun>.<verb>" as Backstage
	// names them ("slo.objective.read"); it must not be a built-in name.
	Name string
	// ResourceType is what the permission is decided on: ResourceEntity
	// for a permission checked per entity, another type or "" for none.
	ResourceType string
	// Action is Backstage's permission attribute: "read", "create",
	// "update", "delete" or "". Read permissions are not audited when
	// refused, and the default policy lets everyone hold them.
	Action string
}

// Authorizer decides what a principal may do. Implementations are safe for
// concurrent use; errors are Internal (a policy that cannot be evaluated).
type Authorizer interface {
	// Authorize reports whether p holds perm. e is the entity the
	// permission applies to, or nil for permissions on no entity; a rule
	// with entity conditions never matches a nil entity.
	Authorize(ctx context.Context, p Principal, perm string, e *Entity) (bool, error)
	// EntityFilter returns the entities on which p holds perm, as a
	// condition list queries apply in the query itself, so that a page of
	// results has no holes.
	EntityFilter(ctx context.Context, p Principal, perm string) (EntityCondition, error)
	// AuthorizeCreated reports whether p holds perm (one of ByCreator) on
	// a task or location that createdBy created: a principal's subject,
	// "" when unknown. A rule with entity conditions never matches.
	AuthorizeCreated(ctx context.Context, p Principal, perm, createdBy string) (bool, error)
	// CreatorFilter returns on whose resources p holds perm, for lists
	// filtered in the query: own, those p created; others, those anyone
	// else (or nobody known) created.
	CreatorFilter(ctx context.Context, p Principal, perm string) (own, others bool, err error)
}

// EntityCondition is a set of entities. All means every entity; otherwise
// Predicate selects them in Backstage's entity predicate form, as the body
// of POST /entities/by-query takes it ({"$all": [...]}, {"$any": [...]},
// {"$not": ...}, {"kind": {"$in": [...]}}, {"relations.ownedBy": ...}); a nil
// Predicate with All false selects nothing.
type EntityCondition struct {
	All       bool
	Predicate map[string]any
}
