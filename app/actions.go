package app

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"callboard"
	"callboard/catalog"
	"callboard/config"
	"callboard/integration/github"
	"callboard/scaffold"
	"callboard/store"
)

// newActions builds the scaffolder's action registry: every action a
// template may name, in one place. gh routes the GitHub actions to the
// integrations.github entry of each repoUrl's host.
func newActions(b *scaffold.Builtins, gh github.Hosts) *scaffold.Actions {
	actions := scaffold.NewActions()
	// fetch:plain, fetch:plain:file, fetch:template, fs:delete, fs:rename,
	// debug:log, debug:wait, catalog:register, catalog:write,
	// catalog:fetch and publish:git.
	scaffold.AddBuiltins(actions, b)

	// GitHub (integration/github): a created repository is deleted again
	// when a later step fails.
	scaffold.Add(actions, "publish:github", gh.Publish, scaffold.WithUndo(gh.UndoPublish),
		scaffold.WithDescription("Creates a GitHub repository and pushes the workspace to it."))
	scaffold.Add(actions, "github:repo:create", gh.RepoCreate, scaffold.WithUndo(gh.UndoPublish),
		scaffold.WithDescription("Creates a GitHub repository without pushing."))
	scaffold.Add(actions, "publish:github:pull-request", gh.PullRequest,
		scaffold.WithDescription("Pushes the workspace to a branch and opens a pull request."))
	scaffold.Add(actions, "github:actions:dispatch", gh.Dispatch,
		scaffold.WithDescription("Starts a GitHub Actions workflow with workflow_dispatch."))
	return actions
}

// scaffolderConfig is the scaffolder section: Backstage's keys
// (defaultAuthor, defaultCommitMessage) and callboard's.
type scaffolderConfig struct {
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
}

// newScaffolder builds the scaffolder service and its runner from the
// config. Workspaces live under backend.workingDirectory (Backstage's key)
// or next to the SQLite file, so that a restart finds them and resumes.
func newScaffolder(cfg *config.Config, db *store.DB, cat *catalog.Service, reader *catalog.Reader, gh github.Hosts, log *slog.Logger) (*scaffold.Service, *scaffold.Runner, error) {
	var sc scaffolderConfig
	if err := cfg.Decode("scaffolder", &sc); err != nil {
		return nil, nil, err
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
		return nil, nil, errors.Join(errs...)
	}
	fetcher := &scaffold.URLFetcher{URLs: reader.URLs, Embedded: reader.Embedded}
	actions := newActions(&scaffold.Builtins{Fetcher: fetcher, Catalog: cat,
		GitAllowHosts: sc.Git.AllowHosts, AllowFileRemotes: sc.Git.AllowFileRemotes}, gh)
	var box *scaffold.SecretBox
	if sc.SecretsKey != "" {
		var err error
		if box, err = scaffold.NewSecretBox(sc.SecretsKey); err != nil {
			return nil, nil, err
		}
	}
	workDir := cfg.String("backend.workingDirectory")
	if workDir == "" {
		workDir = filepath.Join(os.TempDir(), "callboard-tasks")
		if d := cfg.Backend.Database; d.Driver() == "sqlite" && d.Path != "" && d.Path != ":memory:" {
			workDir = filepath.Join(filepath.Dir(d.Path), "callboard-tasks")
		}
	} else {
		workDir = filepath.Join(workDir, "callboard-tasks")
	}
	runner := scaffold.NewRunner(db, actions, scaffold.RunnerOptions{
		Workers: sc.Workers, WorkDir: workDir, Secrets: box, Logger: log,
		HeartbeatInterval: time.Duration(sc.HeartbeatInterval)})
	return scaffold.NewService(db, actions, runner, cat, box), runner, nil
}
