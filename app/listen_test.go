package app

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"callboard/config"
)

func TestListenAddr(t *testing.T) {
	for _, tc := range []struct {
		name     string
		listen   config.Listen
		dev      bool
		want     string
		loopback bool
	}{
		{"dev mode without a host", config.Listen{Port: 7007}, true, "127.0.0.1:7007", true},
		{"dev mode with every interface asked for", config.Listen{Host: "0.0.0.0", Port: 7007}, true, "0.0.0.0:7007", false},
		{"dev mode with a host", config.Listen{Host: "10.1.2.3", Port: 0}, true, "10.1.2.3:0", false},
		{"production without a host", config.Listen{Port: 7007}, false, ":7007", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, loopback := listenAddr(tc.listen, tc.dev)
			if addr != tc.want || loopback != tc.loopback {
				t.Errorf("listenAddr = %q, %v; want %q, %v", addr, loopback, tc.want, tc.loopback)
			}
		})
	}
}

// outsideAddr returns an IPv4 address of this machine that is not
// loopback, or "" when it has none.
func outsideAddr() string {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if ip, ok := a.(*net.IPNet); ok && !ip.IP.IsLoopback() && ip.IP.To4() != nil {
			return ip.IP.String()
		}
	}
	return ""
}

// TestDevModeBindsLoopback: dev mode, where writes need no token, listened
// on every interface. Without backend.listen.host it listens on 127.0.0.1
// only now, and says so at startup; a configured host is kept, and
// production listens where it always did. It also runs serve with
// backend.auth.dangerouslyDisableDefaultAuthPolicy, which is dev mode: reads
// open, loopback only.
func TestDevModeBindsLoopback(t *testing.T) {
	outside := outsideAddr()
	for _, tc := range []struct {
		name       string
		args       []string
		config     string
		loopback   bool // listens on 127.0.0.1 only, and says so
		readStatus int  // of an anonymous catalog read
	}{
		{"--dev", []string{"--dev"}, "", true, http.StatusOK},
		{"dangerouslyDisableDefaultAuthPolicy", nil, "  auth: {dangerouslyDisableDefaultAuthPolicy: true}\n", true, http.StatusOK},
		{"--dev with backend.listen.host", []string{"--dev"}, "  listen: {host: 0.0.0.0}\n", false, http.StatusOK},
		{"production", nil, "", false, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := filepath.Join(dir, "app-config.yaml")
			body := fmt.Sprintf("backend:\n  database: {client: better-sqlite3, connection: %s}\n%s", filepath.Join(dir, "cb.sqlite"), tc.config)
			if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			var stdout, stderr syncBuffer
			done := make(chan error, 1)
			go func() {
				args := append([]string{"serve", "--config", cfg, "--port", "0"}, tc.args...)
				done <- run(ctx, args, func(string) string { return "" }, &stdout, &stderr)
			}()
			t.Cleanup(func() { cancel(); <-done })
			var port string
			re := regexp.MustCompile(`listening on http://localhost:(\d+)`)
			waitFor(t, "server start", func() bool {
				if m := re.FindStringSubmatch(stdout.String()); m != nil {
					port = m[1]
				}
				return port != ""
			}, &stderr)
			said := strings.Contains(stdout.String(), "dev mode: listening on 127.0.0.1:"+port+" only")
			if said != tc.loopback {
				t.Errorf("startup says loopback only: %v, want %v; stdout:\n%s", said, tc.loopback, stdout.String())
			}
			resp, err := http.Get("http://127.0.0.1:" + port + "/api/catalog/entities")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.readStatus {
				t.Errorf("anonymous read: %d, want %d", resp.StatusCode, tc.readStatus)
			}
			if outside == "" {
				t.Log("no address outside loopback on this machine: the other interfaces are not tried")
				return
			}
			conn, err := net.DialTimeout("tcp", net.JoinHostPort(outside, port), 10*time.Second)
			if err == nil {
				conn.Close()
			}
			if reached := err == nil; reached == tc.loopback {
				t.Errorf("reached on %s: %v (%v), want %v", outside, reached, err, !tc.loopback)
			}
		})
	}
}
