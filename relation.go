package callboard

// Relation is an entry of entity.relations as Backstage serves it.
type Relation struct {
	Type      string `json:"type"`
	TargetRef string `json:"targetRef"`
}

// The relation types of Backstage's catalog model, in pairs.
const (
	RelationOwnedBy       = "ownedBy"
	RelationOwnerOf       = "ownerOf"
	RelationProvidesAPI   = "providesApi"
	RelationAPIProvidedBy = "apiProvidedBy"
	RelationConsumesAPI   = "consumesApi"
	RelationAPIConsumedBy = "apiConsumedBy"
	RelationDependsOn     = "dependsOn"
	RelationDependencyOf  = "dependencyOf"
	RelationParentOf      = "parentOf"
	RelationChildOf       = "childOf"
	RelationMemberOf      = "memberOf"
	RelationHasMember     = "hasMember"
	RelationPartOf        = "partOf"
	RelationHasPart       = "hasPart"
)

// RelationInverse maps each relation type to the type of its reverse edge.
var RelationInverse = map[string]string{
	RelationOwnedBy: RelationOwnerOf, RelationOwnerOf: RelationOwnedBy,
	RelationProvidesAPI: RelationAPIProvidedBy, RelationAPIProvidedBy: RelationProvidesAPI,
	RelationConsumesAPI: RelationAPIConsumedBy, RelationAPIConsumedBy: RelationConsumesAPI,
	RelationDependsOn: RelationDependencyOf, RelationDependencyOf: RelationDependsOn,
	RelationParentOf: RelationChildOf, RelationChildOf: RelationParentOf,
	RelationMemberOf: RelationHasMember, RelationHasMember: RelationMemberOf,
	RelationPartOf: RelationHasPart, RelationHasPart: RelationPartOf,
}

// Edge is one directed relation as emitted by processing: Source has a
// relation of Type to Target. Refs are canonical (EntityRef.String()).
// Processing an entity emits both directions of each pair, so the edges of
// one entity may have other entities as Source.
type Edge struct {
	Source string
	Type   string
	Target string
}
