package scaffold

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"callboard"
	"callboard/config"
)

// Config is the scaffolder section of app-config.yaml: Backstage's keys
// (concurrentTasksLimit, defaultAuthor, defaultCommitMessage) and
// callboard's.
type Config struct {
	// Workers is how many tasks run at once (default 2).
	Workers int `yaml:"workers"`
	// SecretsKey encrypts task secrets in the database, so tasks that use
	// secrets resume after a restart; without it secrets stay in memory.
	SecretsKey string `yaml:"secretsKey"`
	Git        struct {
		// AllowHosts lists the hosts publish:git may push to, in the form
		// of backend.reading.allow hosts (a host without a port allows its
		// default port only).
		AllowHosts []string `yaml:"allowHosts"`
		// AllowFileRemotes lets publish:git push to file:// remotes.
		AllowFileRemotes bool `yaml:"allowFileRemotes"`
	} `yaml:"git"`
	// HeartbeatInterval is how often a running task's heartbeat is
	// written (default 5s); a task whose heartbeat is 6 intervals old is
	// taken over by another worker or the next process, after a crash.
	HeartbeatInterval config.Duration `yaml:"heartbeatInterval"`
	// ConcurrentTasksLimit is Backstage's name for Workers, used when
	// workers is not set.
	ConcurrentTasksLimit int `yaml:"concurrentTasksLimit"`
	// Backstage keys accepted and not used yet: a warning says so.
	DefaultAuthor        any `yaml:"defaultAuthor"`
	DefaultCommitMessage any `yaml:"defaultCommitMessage"`

	// WorkDir is where task workspaces live (not a key of the section):
	// callboard-tasks under backend.workingDirectory (Backstage's key),
	// else next to the SQLite file, so that a restart finds them and
	// resumes, else in the temp dir.
	WorkDir string `yaml:"-"`
}

// ReadConfig decodes the scaffolder section strictly and checks it:
// git.allowHosts entries must be valid hosts (errors name the file and
// line). Backstage keys that are accepted but not used are logged.
func ReadConfig(cfg *config.Config, log *slog.Logger) (Config, error) {
	var sc Config
	if err := cfg.Decode("scaffolder", &sc); err != nil {
		return sc, err
	}
	if sc.Workers == 0 {
		sc.Workers = sc.ConcurrentTasksLimit
	}
	for _, key := range []string{"defaultAuthor", "defaultCommitMessage"} {
		if cfg.Has("scaffolder." + key) {
			log.Warn("config: scaffolder." + key + " is accepted for Backstage compatibility but not used: commits are authored by the action's gitAuthorName/gitAuthorEmail inputs or the scaffolder default")
		}
	}
	var errs []error
	for i, h := range sc.Git.AllowHosts {
		if err := (callboard.AllowRule{Host: h}).Check(); err != nil {
			errs = append(errs, cfg.Errorf(fmt.Sprintf("scaffolder.git.allowHosts[%d]", i), "%s", callboard.ErrorMessage(err)))
		}
	}
	if len(errs) > 0 {
		return sc, errors.Join(errs...)
	}
	sc.WorkDir = filepath.Join(os.TempDir(), "callboard-tasks")
	if dir := cfg.String("backend.workingDirectory"); dir != "" {
		sc.WorkDir = filepath.Join(dir, "callboard-tasks")
	} else if d := cfg.Backend.Database; d.Driver() == "sqlite" && d.Path != "" && d.Path != ":memory:" {
		sc.WorkDir = filepath.Join(filepath.Dir(d.Path), "callboard-tasks")
	}
	return sc, nil
}

// RunnerOptions returns the runner's options from the section; secrets
// and logger are the caller's.
func (sc Config) RunnerOptions(secrets *SecretBox, log *slog.Logger) RunnerOptions {
	return RunnerOptions{Workers: sc.Workers, WorkDir: sc.WorkDir, Secrets: secrets, Logger: log,
		HeartbeatInterval: time.Duration(sc.HeartbeatInterval)}
}
