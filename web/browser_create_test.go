package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"callboard/web"
)

// TestBrowserCreate fills the brief's create-go-service form in real
// Chromium: the owner through the picker's type-ahead, the checkboxes, the
// review, then Create; and the docs template's repository picker.
// Screenshots of each stage go to test-artifacts/create-*.png.
func TestBrowserCreate(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	ctx := newBrowser(t)
	env := newCreateServer(t, web.Options{Dev: true})
	srv := env.srv
	u := srv.URL
	dir := artifacts(t)
	shot := func(name string) {
		t.Helper()
		png := get(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
		if err := os.WriteFile(filepath.Join(dir, "create-"+name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	step(t, ctx, "templates",
		chromedp.EmulateViewport(1440, 900),
		colorScheme("light"),
		chromedp.Navigate(u+"/create"),
		chromedp.WaitVisible(css(".tcards")),
		chromedp.Click(css(`input[name="tag"][value="go"]`)),
		chromedp.WaitVisible(css(`label.fv.on input[name="tag"][value="go"]`)),
	)
	if text := get(t, ctx, "cards", chromedp.Text(css(".tcards"))); !strings.Contains(text, "创建 Go 微服务") || strings.Contains(text, "Documentation Template") {
		t.Errorf("cards tagged go = %q, want only the Go service template", text)
	}
	step(t, ctx, "open the template",
		chromedp.Click(css(`.tcards a[href="/create/templates/default/create-go-service"]`)),
		chromedp.WaitVisible(css(`.wpage.current [data-path="name"] input`)),
	)

	// Page 1: the name is checked before Next lets us on.
	step(t, ctx, "invalid name",
		chromedp.SendKeys(css("#f-name"), "Bad Name"),
		chromedp.Click(css("[data-next]")),
		chromedp.WaitVisible(css("#f-name-err")),
	)
	if text := get(t, ctx, "error", chromedp.Text(css("#form-errors"))); !strings.Contains(text, "pattern") || !strings.Contains(text, "服务描述 is required") {
		t.Errorf("errors after Next with a bad name and no description = %q", text)
	}
	shot("form-errors-light-desktop")
	step(t, ctx, "page 1",
		chromedp.SendKeys(css("#f-name"), strings.Repeat(kb.Backspace, len("Bad Name"))),
		chromedp.SendKeys(css("#f-name"), "payment-ledger"),
		chromedp.SendKeys(css("#f-description"), "记账服务"),
		chromedp.SendKeys(css("#f-owner"), "platf"),
		chromedp.WaitVisible(css(`#f-owner-list[data-q="platf"] .ta-item`)),
	)
	if text := get(t, ctx, "owner suggestions", chromedp.Text(css("#f-owner-list"))); !strings.Contains(text, "group:default/platform-team") {
		t.Errorf("owner suggestions for platf = %q, want platform-team", text)
	}
	if text := get(t, ctx, "summary", chromedp.Text(css("#form-errors"))); strings.Contains(text, "服务描述") || strings.Contains(text, "pattern") {
		t.Errorf("summary after fixing name and description = %q, want only the owner left", text)
	}
	shot("owner-picker-light-desktop")
	step(t, ctx, "pick the owner",
		chromedp.SendKeys(css("#f-owner"), kb.ArrowDown),
		chromedp.SendKeys(css("#f-owner"), kb.Enter),
		chromedp.WaitNotVisible(css("#f-owner-list")),
	)
	if v := get(t, ctx, "owner value", chromedp.Value(css("#f-owner"))); v != "group:default/platform-team" {
		t.Errorf("owner = %q, want group:default/platform-team", v)
	}
	step(t, ctx, "page 2",
		chromedp.Click(css("[data-next]")),
		chromedp.WaitVisible(css(`.wpage.current [data-path="deployEnvs"]`)),
		chromedp.Click(css(`[data-path="deployEnvs"] input[value='"dev"']`)),
		chromedp.Click(css(`[data-path="deployEnvs"] input[value='"production"']`)),
		chromedp.Click(css(`#f-enableKafka`)),
		chromedp.Click(css("[data-next]")),
		chromedp.WaitVisible(css(`.wpage.current [data-path="repoOrg"]`)),
		chromedp.Click(css("[data-review]")),
		chromedp.WaitVisible(css("#review-list dd")),
	)
	review := get(t, ctx, "review", chromedp.Text(css("#review-list")))
	for _, want := range []string{"payment-ledger", "记账服务", "group:default/platform-team", "8080", "dev, production", "my-github-org", "private"} {
		if !strings.Contains(review, want) {
			t.Errorf("review = %q, want %q in it", review, want)
		}
	}
	shot("review-light-desktop")
	// Create runs the brief's template against the fake GitHub: the task
	// page follows it to the end and its link opens the new entity.
	goShot := func(name string) { shot("go-service-" + name) }
	followTask(t, ctx, "payment-ledger", []string{"初始化代码模板", "创建 GitHub 仓库", "注册到 Catalog", "配置 GitHub Actions"},
		[]string{"打开代码仓库", "查看 CI 流水线"}, goShot)
	if text := get(t, ctx, "entity", chromedp.Text(css("main"))); !strings.Contains(text, "platform-team") {
		t.Errorf("entity page = %.300q, want the owner chosen in the form", text)
	}
	if text, err := env.gh.ReadFile(createOrg, "payment-ledger", "main", "catalog-info.yaml"); err != nil || !strings.Contains(text, "记账服务") {
		t.Errorf("catalog-info.yaml in the new repository = %q, %v", text, err)
	}
	if d := env.gh.Dispatches(); len(d) != 1 || d[0].Repo != "payment-ledger" || d[0].Inputs["deploy_envs"] != "dev,production" {
		t.Errorf("workflow dispatches = %+v, want init-service.yml on payment-ledger for dev,production", d)
	}

	// The same form on local-go-service runs to the end: fill, review,
	// create, watch the steps finish, follow the link to the new entity.
	// First with the page's own name check removed: the API's check
	// refuses the name, and the form shows that next to the field.
	env.newPushTarget(t, "acme", "ledger-service")
	step(t, ctx, "local template",
		chromedp.Navigate(u+"/create/templates/default/local-go-service"),
		chromedp.WaitVisible(css("#f-name")),
	)
	get(t, ctx, "drop the pattern", chromedp.Evaluate[bool](`document.querySelector('[data-path=name]').removeAttribute('data-pattern'), true`))
	step(t, ctx, "fill",
		chromedp.SendKeys(css("#f-name"), "Ledger"),
		chromedp.SendKeys(css("#f-description"), "记账服务"),
		chromedp.SendKeys(css("#f-owner"), "payments"),
		chromedp.WaitVisible(css(`#f-owner-list[data-q="payments"] .ta-item`)),
		chromedp.Click(css("#f-owner-list .ta-item")),
		chromedp.Click(css("[data-next]")),
		chromedp.WaitVisible(css(`.wpage.current [data-path="deployEnvs"]`)),
		chromedp.WaitNotVisible(css("#f-kafkaTopic")),
		chromedp.Click(css("#f-enableKafka")),
		chromedp.WaitVisible(css("#f-kafkaTopic")),
		chromedp.Click(css("[data-next]")),
		chromedp.WaitVisible(css("#f-kafkaTopic-err")),
		chromedp.SendKeys(css("#f-kafkaTopic"), "ledger.events"),
		chromedp.SendKeys(css("#f-system"), "pay"),
		chromedp.WaitVisible(css(`#f-system-list[data-q="pay"] .ta-item`)),
		chromedp.Click(css("#f-system-list .ta-item")),
		chromedp.Click(css(`[data-path="deployEnvs"] input[value='"staging"']`)),
		chromedp.Click(css("[data-next]")),
		chromedp.WaitVisible(css(`.wpage.current #f-repoUrl-owner`)),
		chromedp.SendKeys(css("#f-repoUrl-owner"), "acme"),
		chromedp.SendKeys(css("#f-repoUrl-repo"), "ledger-service"),
		chromedp.Click(css("[data-review]")),
		chromedp.WaitVisible(css("#review-list dd")),
	)
	step(t, ctx, "server refuses the name",
		chromedp.Click(css("[data-create]")),
		chromedp.WaitVisible(css(`.wpage.current #f-name-err`)),
	)
	if text := get(t, ctx, "name error", chromedp.Text(css("#f-name-err"))); !strings.Contains(text, "服务名称") {
		t.Errorf("server error next to the name = %q", text)
	}
	if text := get(t, ctx, "summary", chromedp.Text(css("#form-errors"))); !strings.Contains(text, "server refused") {
		t.Errorf("summary = %q, want the server's refusal", text)
	}
	shot("server-error-light-desktop")
	step(t, ctx, "fix the name",
		chromedp.SendKeys(css("#f-name"), strings.Repeat(kb.Backspace, len("Ledger"))+"ledger-service"),
		chromedp.Click(css("[data-next]")),
		chromedp.Click(css("[data-next]")),
		chromedp.Click(css("[data-review]")),
		chromedp.WaitVisible(css("[data-create]")),
	)
	review = get(t, ctx, "review", chromedp.Text(css("#review-list")))
	for _, want := range []string{"ledger-service", "group:default/payments-team", "system:default/payment-system", "ledger.events", "预发", "git.local?owner=acme&repo=ledger-service"} {
		if !strings.Contains(review, want) {
			t.Errorf("review = %q, want %q in it", review, want)
		}
	}
	taskURL := followTask(t, ctx, "ledger-service", []string{"初始化代码模板", "推送到 git 仓库", "注册到 Catalog"},
		[]string{"ledger-service is registered", "Deploy to: staging"}, shot)
	if text := get(t, ctx, "entity", chromedp.Text(css("main"))); !strings.Contains(text, "payments-team") {
		t.Errorf("entity page = %.300q, want the owner chosen in the form", text)
	}
	taskPath := strings.TrimPrefix(taskURL, u)

	// The docs template's RepoUrlPicker produces Backstage's host?owner&repo,
	// and the template publishes to the fake GitHub through it.
	step(t, ctx, "docs template",
		chromedp.Navigate(u+"/create/templates/default/docs-template"),
		chromedp.WaitVisible(css("#f-name")),
		chromedp.SendKeys(css("#f-name"), "ledger-docs"),
		chromedp.SendKeys(css("#f-description"), "Docs for the ledger"),
		chromedp.SendKeys(css("#f-owner"), "platf"),
		chromedp.WaitVisible(css(`#f-owner-list[data-q="platf"] .ta-item`)),
		chromedp.Click(css("#f-owner-list .ta-item")),
		chromedp.Click(css("[data-next]")),
		chromedp.WaitVisible(css(`.wpage.current #f-repoUrl-owner`)),
		chromedp.SendKeys(css("#f-repoUrl-owner"), createOrg),
		chromedp.SendKeys(css("#f-repoUrl-repo"), "ledger-docs"),
	)
	if text := get(t, ctx, "repo preview", chromedp.Text(css("[data-path=repoUrl] [data-preview]"))); text != "github.com?owner="+createOrg+"&repo=ledger-docs" {
		t.Errorf("repo url = %q, want github.com?owner=%s&repo=ledger-docs", text, createOrg)
	}
	shot("repo-picker-light-desktop")
	step(t, ctx, "docs review",
		chromedp.Click(css("[data-review]")),
		chromedp.WaitVisible(css("[data-create]")),
	)
	followTask(t, ctx, "ledger-docs", []string{"Template Docs Skeleton", "Publish", "Register"}, []string{"Repository"},
		func(name string) { shot("docs-" + name) })
	if text, err := env.gh.ReadFile(createOrg, "ledger-docs", "master", "mkdocs.yml"); err != nil || !strings.Contains(text, "ledger-docs") {
		t.Errorf("mkdocs.yml in the new repository = %q, %v", text, err)
	}

	// A failing task, watched live: the error and the rolled-back push.
	failID, _ := failingTask(t, env)
	step(t, ctx, "failed task",
		chromedp.EmulateViewport(1440, 900),
		chromedp.Navigate(u+"/create/tasks/"+failID),
		chromedp.WaitVisible(css("#task-result .banner.bad")),
		chromedp.WaitVisible(css(`.tstep.st-rolledback[data-step="publish"]`)),
	)
	if text := get(t, ctx, "failure", chromedp.Text(css("#task-result"))); !strings.Contains(text, "step register failed") {
		t.Errorf("failed task result = %q, want the register error", text)
	}

	shootPages(t, ctx, u, dir, "create-", []shotPage{
		{"task-failed", "/create/tasks/" + failID, "#task-result .banner.bad"},
		{"list", "/create", ".tcards"},
		{"form", "/create/templates/default/create-go-service", ".wpage.current"},
		{"tasks", "/create/tasks", "table.tasks"},
		{"task", taskPath, "#task-result a[data-entity]"},
	})
}

// followTask presses Create on a reviewed form, watches the task page until
// the task is done, checks every step completed and the output text is
// rendered safely, then follows the entityRef link to the new component
// called name. It returns the task page's URL.
func followTask(t *testing.T, ctx context.Context, name string, steps, output []string, shot func(string)) string {
	t.Helper()
	step(t, ctx, "create the task",
		chromedp.Click(css("[data-create]")),
		chromedp.WaitVisible(css("#task")),
	)
	shot("task-running-light-desktop")
	step(t, ctx, "task finishes",
		chromedp.WaitVisible(css(`#task-result a[data-entity]`)),
	)
	if n := get(t, ctx, "cancel buttons", chromedp.Evaluate[int](`document.querySelectorAll('[data-task-action=cancel]').length`)); n != 0 {
		t.Errorf("the finished task still offers Cancel")
	}
	if text := get(t, ctx, "status", chromedp.Text(css("#task-status"))); !strings.Contains(text, "completed") {
		t.Errorf("task status = %q, want completed", text)
	}
	text := get(t, ctx, "steps", chromedp.Text(css(".tsteps")))
	for _, want := range append(steps, "completed") {
		if !strings.Contains(text, want) {
			t.Errorf("steps = %q, want %q", text, want)
		}
	}
	if strings.Contains(text, "failed") {
		t.Errorf("steps = %q, want none failed", text)
	}
	result := get(t, ctx, "result", chromedp.Text(css("#task-result")))
	for _, want := range output {
		if !strings.Contains(result, want) {
			t.Errorf("result = %q, want %q", result, want)
		}
	}
	if strings.Contains(result, "alert(") {
		t.Errorf("result = %q, want the output text without the script", result)
	}
	shot("task-done-light-desktop")
	t.Logf("%s: the task ran in %s (task created to completion event, as the task page shows it)", name, get(t, ctx, "duration", chromedp.Text(css("#task-duration"))))
	taskURL := get(t, ctx, "task url", chromedp.Location())
	step(t, ctx, "open the entity",
		chromedp.Click(css(`#task-result a[data-entity]`)),
		chromedp.WaitVisible(css(".entity-head h1")),
	)
	if loc := get(t, ctx, "location", chromedp.Location()); !strings.HasSuffix(loc, "/catalog/default/component/"+name) {
		t.Errorf("the output link led to %s, want %s's page", loc, name)
	}
	return taskURL
}
