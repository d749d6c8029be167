package quality

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"callboard"
	"callboard/plugin"
)

// The API under /api/quality: the report, the digests, and the bulk
// deletion of source orphans (admins: PermDeleteOrphans).
func (q *Quality) routes() []plugin.Route {
	return []plugin.Route{
		{Method: http.MethodGet, Path: "/report", Handler: q.handleReport},
		{Method: http.MethodGet, Path: "/digest", Handler: q.handleDigest},
		{Method: http.MethodPost, Path: "/orphans/delete", Permission: PermDeleteOrphans, Handler: q.handleDeleteOrphans},
	}
}

func (q *Quality) handleReport(w http.ResponseWriter, r *http.Request) error {
	rep, err := q.Report(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, rep)
}

// handleDigest serves GET /api/quality/digest[?team=group:default/x].
func (q *Quality) handleDigest(w http.ResponseWriter, r *http.Request) error {
	rep, err := q.Report(r.Context())
	if err != nil {
		return err
	}
	ds := q.digests(r.Context(), rep)
	if team := r.URL.Query().Get("team"); team != "" {
		kept := []TeamDigest{}
		for _, d := range ds {
			if strings.EqualFold(d.Team, team) {
				kept = append(kept, d)
			}
		}
		ds = kept
	}
	return writeJSON(w, map[string]any{"digests": ds})
}

// deleteRequest is POST /api/quality/orphans/delete: dryRun lists the
// source orphans; otherwise refs (as a dry run listed them) are deleted,
// each only if it is still an orphan.
type deleteRequest struct {
	DryRun bool     `json:"dryRun"`
	Refs   []string `json:"refs"`
}

// DeleteResult is the answer: what was (or would be) deleted, and what
// was skipped and why.
type DeleteResult struct {
	DryRun  bool      `json:"dryRun"`
	Orphans []Issue   `json:"orphans,omitempty"`
	Deleted []string  `json:"deleted"`
	Skipped []Skipped `json:"skipped"`
}

// Skipped is a ref not deleted.
type Skipped struct {
	Entity string `json:"entityRef"`
	Reason string `json:"reason"`
}

func (q *Quality) handleDeleteOrphans(w http.ResponseWriter, r *http.Request) error {
	form := strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded")
	var req deleteRequest
	if form {
		if err := r.ParseForm(); err != nil {
			return callboard.Wrap(callboard.Invalid, err, "read the form")
		}
		req.Refs, req.DryRun = r.PostForm["ref"], r.PostForm.Get("confirm") != "yes"
	} else if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		return callboard.Wrap(callboard.Invalid, err, "read the request body: want {\"dryRun\": true} or {\"refs\": [...]}")
	}
	res, err := q.DeleteOrphans(r, req)
	if err != nil {
		return err
	}
	if form {
		http.Redirect(w, r, "/quality?deleted="+strconv.Itoa(len(res.Deleted))+"&skipped="+strconv.Itoa(len(res.Skipped)), http.StatusSeeOther)
		return nil
	}
	return writeJSON(w, res)
}

// DeleteOrphans lists (dry run) or deletes source orphans, recording each
// deletion in the audit log as quality.orphan.delete.
func (q *Quality) DeleteOrphans(r *http.Request, req deleteRequest) (*DeleteResult, error) {
	ctx := r.Context()
	if q.src.Entities == nil || q.src.Delete == nil {
		return nil, callboard.Errorf(callboard.NotFound, "deleting orphans needs the portal's catalog")
	}
	q.forget()
	rep, err := q.analyze(ctx)
	if err != nil {
		return nil, err
	}
	res := &DeleteResult{DryRun: req.DryRun, Deleted: []string{}, Skipped: []Skipped{}}
	if req.DryRun {
		res.Orphans = rep.Issues[SourceOrphan]
		return res, nil
	}
	if len(req.Refs) == 0 {
		return nil, callboard.Errorf(callboard.Invalid, "name the orphans to delete in refs (run with dryRun first to list them)")
	}
	es, err := q.src.Entities(ctx)
	if err != nil {
		return nil, err
	}
	orphans := map[string]string{} // ref -> uid
	for _, s := range es {
		if s.Orphan || s.Entity.Annotation(callboard.AnnotationOrphan) == "true" {
			orphans[s.Entity.Ref().String()] = s.Entity.Metadata.UID
		}
	}
	actor := callboard.PrincipalFrom(ctx).Subject
	for _, raw := range req.Refs {
		ref, err := callboard.ParseRef(raw, "", "")
		if err != nil {
			res.Skipped = append(res.Skipped, Skipped{Entity: raw, Reason: "not an entity ref"})
			continue
		}
		uid, ok := orphans[ref.String()]
		if !ok {
			res.Skipped = append(res.Skipped, Skipped{Entity: ref.String(), Reason: "not a source orphan (any more)"})
			continue
		}
		ev := callboard.AuditEvent{Actor: actor, Action: "quality.orphan.delete", Target: ref.String(), Outcome: callboard.OutcomeSuccess,
			RequestID: r.Header.Get("X-Request-Id"), Details: map[string]any{"uid": uid}}
		if err := q.src.Delete(ctx, uid); err != nil {
			ev.Outcome, ev.Details["error"] = callboard.OutcomeFailure, callboard.ErrorMessage(err)
			res.Skipped = append(res.Skipped, Skipped{Entity: ref.String(), Reason: callboard.ErrorMessage(err)})
		} else {
			res.Deleted = append(res.Deleted, ref.String())
		}
		if q.src.Audit != nil {
			if err := q.src.Audit.RecordAudit(ctx, ev); err != nil {
				return res, err
			}
		}
	}
	q.forget()
	return res, nil
}

func writeJSON(w http.ResponseWriter, v any) error {
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(v)
}
