package searchbench

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for schema setup

	"callboard"
	"callboard/store"
	"callboard/techdocs/publish"
)

// pagesPerSite is how many pages each documented component has.
const pagesPerSite = 10

// annotateDocs gives the first n components of the tree (by name) a
// backstage.io/techdocs-ref, and returns their names.
func annotateDocs(tree string, n int) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(tree, "repos", "*", "catalog-info.yaml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var names []string
	for _, f := range files[:min(n, len(files))] {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		s := strings.Replace(string(b), "  annotations:\n", "  annotations:\n    backstage.io/techdocs-ref: dir:.\n", 1)
		if err := os.WriteFile(f, []byte(s), 0o644); err != nil {
			return nil, err
		}
		names = append(names, filepath.Base(filepath.Dir(f)))
	}
	return names, nil
}

// siteWriter publishes generated sites with the real local publisher.
type siteWriter struct {
	pub publish.Publisher
	dir string
}

// Words of the generated docs.
var (
	businessWords = []string{"payments", "ledger", "billing", "refunds", "checkout", "inventory", "shipping", "orders",
		"accounts", "pricing", "search", "identity", "notifications", "analytics", "fraud", "settlement", "wallet", "gateway"}
	sectionWords = []string{"deploy", "rollback", "runbook", "alerts", "dashboards", "migration", "schema", "latency",
		"retries", "timeouts", "capacity", "oncall", "incident", "backup", "restore", "configuration"}
	chineseTerms = []string{"部署", "回滚", "结算服务", "故障排查", "监控告警", "数据库迁移", "值班", "容量规划"}
	chineseText  = []string{"如何把服务部署到生产环境。", "出现故障时先回滚到上一个版本。", "结算服务每天夜里对账。",
		"故障排查请先看监控告警和日志。", "数据库迁移需要提前一周通知。", "值班工程师负责处理告警。", "容量规划按季度更新。"}
)

// publish writes and publishes the site of component name: ten pages of
// four sections; build stamps the text so that a rebuild is findable.
// It returns the number of sections.
func (w *siteWriter) publish(ctx context.Context, name string, seed, build int) (int, error) {
	type doc struct {
		Location string `json:"location"`
		Title    string `json:"title"`
		Text     string `json:"text"`
	}
	var docs []doc
	sections := 0
	for p := range pagesPerSite {
		topic := businessWords[(seed+p)%len(businessWords)]
		page := fmt.Sprintf("%s-%d/", topic, p)
		if p == 0 {
			page = ""
		}
		var all []string
		var secs []doc
		for s := range 4 {
			word := sectionWords[(seed*3+p*4+s)%len(sectionWords)]
			text := fmt.Sprintf("The %s %s of %s: check the %s, then the %s before you change it. %s",
				topic, word, name, sectionWords[(seed+s)%len(sectionWords)], businessWords[(seed+p+s)%len(businessWords)],
				chineseText[(seed+p+s)%len(chineseText)])
			if build > 1 {
				text += " " + marker(build, "build")
			}
			title := strings.ToUpper(word[:1]) + word[1:]
			secs = append(secs, doc{page + "#" + word, title, text})
			all = append(all, title, text)
		}
		docs = append(docs, doc{page, strings.ToUpper(topic[:1]) + topic[1:] + " guide", strings.Join(all, " ")})
		docs = append(docs, secs...)
		sections += len(secs)
	}
	dir := filepath.Join(w.dir, name)
	if err := os.MkdirAll(filepath.Join(dir, "search"), 0o755); err != nil {
		return 0, err
	}
	idx, _ := json.Marshal(map[string]any{"config": map[string]any{"indexing": "full"}, "docs": docs})
	if err := os.WriteFile(filepath.Join(dir, "search", "search_index.json"), idx, 0o644); err != nil {
		return 0, err
	}
	meta, _ := json.Marshal(map[string]any{"site_name": name, "etag": "build-" + strconv.Itoa(build), "build_timestamp": time.Now().UnixMilli(),
		"files": []string{"search/search_index.json"}})
	if err := os.WriteFile(filepath.Join(dir, "techdocs_metadata.json"), meta, 0o644); err != nil {
		return 0, err
	}
	_, err := w.pub.Publish(ctx, callboard.EntityRef{Kind: "component", Namespace: "default", Name: name}, dir)
	return sections, err
}

// publisherDocs reads sites from a publisher, as the portal's adapter
// over the docs syncer does.
type publisherDocs struct{ pub publish.Publisher }

func (d publisherDocs) Version(ctx context.Context, ref callboard.EntityRef) (string, error) {
	m, err := d.pub.Metadata(ctx, ref)
	if err != nil {
		return "", err
	}
	return m.ETag + "@" + strconv.FormatInt(m.BuildTimestamp, 10), nil
}

func (d publisherDocs) Index(ctx context.Context, ref callboard.EntityRef) (io.ReadCloser, error) {
	body, _, err := d.pub.Open(ctx, ref, "search/search_index.json")
	return body, err
}

// openPostgres opens a fresh schema at pgURL; drop removes it.
func openPostgres(ctx context.Context, pgURL string, progress io.Writer) (*store.DB, func(), error) {
	admin, err := sql.Open("pgx", pgURL)
	if err != nil {
		return nil, nil, err
	}
	schema := fmt.Sprintf("callboard_searchbench_%d", time.Now().UnixNano())
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		return nil, nil, fmt.Errorf("create schema: %w", err)
	}
	fmt.Fprintf(progress, "postgres schema %s\n", schema)
	drop := func() {
		defer admin.Close()
		_, _ = admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
	}
	u, err := url.Parse(pgURL)
	if err != nil {
		drop()
		return nil, nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := store.Open(ctx, "postgres", u.String())
	if err != nil {
		drop()
		return nil, nil, err
	}
	return db, drop, nil
}
