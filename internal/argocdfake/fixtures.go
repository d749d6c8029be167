package argocdfake

import (
	"fmt"
	"time"
)

// Revisions are the commits of Sample's history, oldest first.
var Revisions = []string{
	"1f0c8e2b7d4a9c3e5f6a7b8c9d0e1f2a3b4c5d6e",
	"7a3d9c1e2b4f6a8c0d2e4f6a8b0c2d4e6f8a0b2c",
	"c4e8a1b3d5f7092b4d6f8a0c2e4a6b8d0f2a4c6e",
}

// Sample is a synced, healthy application of the repository repoURL with
// three deployments of Revisions, the last an hour before now: the first
// automated, the second by a user, the third (the current one) without
// initiatedBy in its history entry (older Argo CD versions), its
// operationState saying who started it.
func Sample(name, repoURL string, labels map[string]string, now time.Time) Application {
	src := &Source{RepoURL: repoURL, Path: "deploy/" + name, TargetRevision: "main"}
	at := func(h int) time.Time { return now.Add(-time.Duration(h) * time.Hour).UTC().Truncate(time.Second) }
	started := at(1).Add(-time.Minute)
	finished := at(1)
	return Application{
		Metadata: Metadata{Name: name, Namespace: "argocd", Labels: labels},
		Spec:     ApplicationSpec{Project: "default", Source: src, Destination: Destination{Server: "https://kubernetes.default.svc", Namespace: name}},
		Status: ApplicationStatus{
			Sync:   SyncStatus{Status: "Synced", Revision: Revisions[2]},
			Health: HealthStatus{Status: "Healthy"},
			History: []RevisionHistory{
				{ID: 1, Revision: Revisions[0], DeployedAt: at(72), Source: src, InitiatedBy: &InitiatedBy{Automated: true}},
				{ID: 2, Revision: Revisions[1], DeployedAt: at(26), Source: src, InitiatedBy: &InitiatedBy{Username: "chen.jing"}},
				{ID: 3, Revision: Revisions[2], DeployedAt: at(1), DeployStartedAt: &started, Source: src},
			},
			OperationState: &OperationState{
				Operation:  Operation{InitiatedBy: InitiatedBy{Username: "admin"}},
				Phase:      "Succeeded",
				Message:    "successfully synced (all tasks run)",
				SyncResult: &SyncResult{Revision: Revisions[2]},
				StartedAt:  started,
				FinishedAt: &finished,
			},
		},
	}
}

// Broken is name out of sync and degraded after a failed sync.
func Broken(name, repoURL string, now time.Time) Application {
	a := Sample(name, repoURL, nil, now)
	a.Status.Sync.Status = "OutOfSync"
	a.Status.Health = HealthStatus{Status: "Degraded", Message: "Deployment has minimum availability"}
	a.Status.OperationState.Phase = "Failed"
	a.Status.OperationState.Message = fmt.Sprintf("one or more objects failed to apply (%s)", name)
	return a
}
