package policy

import (
	"fmt"
	"strings"

	"callboard"
)

// DefaultAdminGroup is the admin group of the default policy when
// permission.adminGroups is not configured.
const DefaultAdminGroup = "group:default/admins"

// DefaultYAML returns the policy in force when no policy file is configured:
// admins may do anything; everyone reads the catalog and templates and
// syncs docs (outside dev mode only signed-in callers get that far); a task
// is read by whoever created it (Backstage's isTaskOwner) and a location is
// pointed elsewhere by whoever registered it; owners delete and refresh
// their own entities; signed-in users and machines register locations,
// refresh entities and run templates; the rest (deleting locations,
// cancelling tasks, the audit log) is for admins. In dev mode anyone may do
// anything, as writes need no sign-in there. `callboard policy default`
// prints it. The read permissions of extra (plugins' permissions with
// Action "read") join what everyone reads; their other permissions are for
// admins.
func DefaultYAML(adminGroups []string, dev bool, extra ...callboard.Permission) string {
	if len(adminGroups) == 0 {
		adminGroups = []string{DefaultAdminGroup}
	}
	var b strings.Builder
	b.WriteString("# callboard's default permission policy; the first matching rule wins.\nrules:\n")
	if dev {
		b.WriteString(`  - name: dev mode, anyone may do anything
    permission: "*"
    decision: allow
`)
	}
	fmt.Fprintf(&b, `  - name: admins may do anything
    permission: "*"
    user: { groups: [%s] }
    decision: allow
  - name: everyone reads
    permission: [catalog.entity.read, catalog.location.read, scaffolder.template.parameter.read, techdocs.sync%s]
    decision: allow
  - name: a task is read by whoever created it
    permission: scaffolder.task.read
    task: { isTaskOwner: true }
    decision: allow
  - name: a location is pointed elsewhere by whoever registered it
    permission: catalog.location.update
    location: { isLocationCreator: true }
    decision: allow
  - name: owners delete and refresh their entities
    permission: [catalog.entity.delete, catalog.entity.refresh]
    entity: { isEntityOwner: true }
    decision: allow
  - name: signed-in users register locations, refresh entities and run templates
    permission: [catalog.location.create, catalog.entity.refresh, scaffolder.task.create, scaffolder.action.execute]
    user: { authenticated: true }
    decision: allow
  - name: everything else is for admins
    permission: "*"
    decision: deny
`, strings.Join(adminGroups, ", "), pluginReads(extra))
	return b.String()
}

// Default returns the parsed default policy; extra are the plugins'
// permissions.
func Default(adminGroups []string, dev bool, extra ...callboard.Permission) (*Policy, error) {
	return Parse("(default policy)", []byte(DefaultYAML(adminGroups, dev, extra...)), extra...)
}

// pluginReads lists the read permissions of extra, each after ", ".
func pluginReads(extra []callboard.Permission) string {
	var b strings.Builder
	for _, p := range extra {
		if p.Action == "read" {
			b.WriteString(", " + p.Name)
		}
	}
	return b.String()
}
