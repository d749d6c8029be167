package replicas

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// client calls the replicas' API; 64 load connections share it.
var client = &http.Client{
	Timeout:   15 * time.Second,
	Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 128, IdleConnTimeout: 30 * time.Second},
}

// call makes a request and decodes a 2xx JSON answer into out (if not
// nil). A transport error is returned with status 0.
func call(ctx context.Context, base, method, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: %v in %.200s", method, path, err, b)
		}
	}
	if resp.StatusCode >= 300 && out != nil {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %.300s", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode, nil
}

// register registers a url location and returns its id.
func register(ctx context.Context, base, target string) (string, int, error) {
	var created struct {
		Location struct{ ID string } `json:"location"`
	}
	st, err := call(ctx, base, "POST", "/api/catalog/locations", map[string]string{"type": "url", "target": target}, &created)
	if err == nil && st != http.StatusCreated {
		err = fmt.Errorf("register %s: status %d", target, st)
	}
	return created.Location.ID, st, err
}

// hasComponent reports whether the replica serves component name, by
// name and in list queries (which read its index).
func hasComponent(ctx context.Context, base, name string) (bool, error) {
	st, err := call(ctx, base, "GET", "/api/catalog/entities/by-name/component/default/"+name, nil, nil)
	if err != nil {
		return false, err
	}
	var list []struct {
		Metadata struct{ Name string }
	}
	lst, err := call(ctx, base, "GET", "/api/catalog/entities?filter=kind=component,metadata.name="+name, nil, &list)
	if err != nil {
		return false, err
	}
	byName, inList := st == http.StatusOK, lst == http.StatusOK && len(list) == 1
	if byName != inList {
		return false, fmt.Errorf("%s: by name %d, list %d entities: the index and the store disagree", name, st, len(list))
	}
	return byName, nil
}

// componentNames returns the names of the components a replica lists.
func componentNames(ctx context.Context, base string) ([]string, error) {
	var list []struct {
		Metadata struct{ Name string }
	}
	if _, err := call(ctx, base, "GET", "/api/catalog/entities?filter=kind=component&fields=metadata.name", nil, &list); err != nil {
		return nil, err
	}
	var out []string
	for _, e := range list {
		out = append(out, e.Metadata.Name)
	}
	slices.Sort(out)
	return out, nil
}

// waitUntil polls cond every 25 ms until it holds or timeout passes, and
// returns how long it took.
func waitUntil(t *testing.T, what string, timeout time.Duration, cond func() (bool, error)) time.Duration {
	t.Helper()
	start := time.Now()
	var last error
	for time.Since(start) < timeout {
		ok, err := cond()
		if ok && err == nil {
			return time.Since(start)
		}
		last = err
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("%s: not within %s (last error: %v)", what, timeout, last)
	return 0
}

// taskEvents returns a task's events as "type: message" lines and its
// completion status ("" when not finished).
func taskEvents(ctx context.Context, base, id string) (string, string, error) {
	var evs []struct {
		Type string         `json:"type"`
		Body map[string]any `json:"body"`
	}
	if _, err := call(ctx, base, "GET", "/api/scaffolder/v2/tasks/"+id+"/events", nil, &evs); err != nil {
		return "", "", err
	}
	var b strings.Builder
	status := ""
	for _, ev := range evs {
		fmt.Fprintf(&b, "%s: %v\n", ev.Type, ev.Body["message"])
		if ev.Type == "completion" {
			status, _ = ev.Body["status"].(string)
		}
	}
	return b.String(), status, nil
}
