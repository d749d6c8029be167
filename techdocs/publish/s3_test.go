package publish_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"callboard/techdocs/publish"
)

// fakeS3 is a real S3-protocol server (gofakes3 over memory) on a local
// port, counting the requests it answers.
type fakeS3 struct {
	srv *httptest.Server

	mu   sync.Mutex
	seen []request
}

type request struct {
	method, path string
	status       int
}

const testBucket = "techdocs-test"

func newFakeS3(t *testing.T) *fakeS3 {
	t.Helper()
	f := &fakeS3{}
	h := gofakes3.New(s3mem.New(), gofakes3.WithLogger(gofakes3.DiscardLog())).Server()
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		f.mu.Lock()
		f.seen = append(f.seen, request{r.Method, r.URL.Path, rec.status})
		f.mu.Unlock()
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// count returns how many requests for paths ending in suffix were answered
// with status (any status when 0).
func (f *fakeS3) count(method, suffix string, status int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.seen {
		if r.method == method && strings.HasSuffix(r.path, suffix) && (status == 0 || r.status == status) {
			n++
		}
	}
	return n
}

func (f *fakeS3) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen = nil
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

// config returns the publisher config for this server, path-style, with
// static keys, under a bucket root path.
func (f *fakeS3) config() publish.S3Config {
	return publish.S3Config{
		BucketName:       testBucket,
		Region:           "eu-west-1",
		Endpoint:         f.srv.URL,
		S3ForcePathStyle: true,
		BucketRootPath:   "/portal/docs/",
		Credentials:      publish.S3Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "test-secret"},
	}
}

// newTestS3 starts a server, creates the bucket with the SDK and returns a
// publisher on it.
func newTestS3(t *testing.T, edit func(*publish.S3Config)) (*publish.S3, *fakeS3) {
	t.Helper()
	f := newFakeS3(t)
	cfg := f.config()
	if edit != nil {
		edit(&cfg)
	}
	p, err := publish.NewS3(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.client(t).CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(testBucket)}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	f.reset()
	return p, f
}

// client is a plain SDK client on the fake server, to look at the bucket
// behind the publisher's back.
func (f *fakeS3) client(t *testing.T) *s3.Client {
	return s3.New(s3.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(f.srv.URL),
		UsePathStyle: true,
		Credentials:  aws.AnonymousCredentials{},
	})
}

// keys lists every key in the bucket.
func (f *fakeS3) keys(t *testing.T) []string {
	t.Helper()
	out, err := f.client(t).ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String(testBucket)})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	return keys
}

func TestS3Layout(t *testing.T) {
	p, f := newTestS3(t, nil)
	mustPublish(t, p, paymentRef, fixtureSite)
	keys := f.keys(t)
	want := []string{
		"portal/docs/default/component/payment-service/assets/images/logo.png",
		"portal/docs/default/component/payment-service/index.html",
		"portal/docs/default/component/payment-service/search/search_index.json",
		"portal/docs/default/component/payment-service/sub/page/index.html",
		"portal/docs/default/component/payment-service/techdocs_metadata.json",
	}
	if strings.Join(keys, "\n") != strings.Join(want, "\n") {
		t.Errorf("keys =\n%s\nwant\n%s", strings.Join(keys, "\n"), strings.Join(want, "\n"))
	}
	// Uploads carry the content type, so a bucket served directly works too.
	head, err := f.client(t).HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: aws.String(testBucket), Key: aws.String(want[1])})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(head.ContentType); got != "text/html; charset=utf-8" {
		t.Errorf("stored Content-Type = %q, want text/html; charset=utf-8", got)
	}
}

// TestS3MetadataCache checks that cached metadata is revalidated with a
// conditional GET (304, no body) and refetched only when the object changed.
func TestS3MetadataCache(t *testing.T) {
	p, f := newTestS3(t, nil)
	mustPublish(t, p, paymentRef, fixtureSite)
	f.reset()
	first := mustMetadata(t, p, paymentRef)
	for range 3 {
		if m := mustMetadata(t, p, paymentRef); m.ETag != first.ETag {
			t.Fatalf("cached ETag = %q, want %q", m.ETag, first.ETag)
		}
	}
	if n := f.count("GET", publish.MetadataFile, http.StatusOK); n != 1 {
		t.Errorf("full GETs of the metadata = %d, want 1", n)
	}
	if n := f.count("GET", publish.MetadataFile, http.StatusNotModified); n != 3 {
		t.Errorf("304 revalidations = %d, want 3", n)
	}

	// CI publishes a new build through another process: the next call sees it.
	ci, err := publish.NewS3(t.Context(), f.config())
	if err != nil {
		t.Fatal(err)
	}
	mustPublish(t, ci, paymentRef, writeSite(t, map[string]string{"index.html": "<p>v2</p>"}, "v2-sha"))
	if m := mustMetadata(t, p, paymentRef); m.ETag != "v2-sha" {
		t.Errorf("ETag after a publish elsewhere = %q, want v2-sha", m.ETag)
	}
}

// TestS3MetadataMaxAge checks that within MetadataMaxAge no request is made.
func TestS3MetadataMaxAge(t *testing.T) {
	p, f := newTestS3(t, func(c *publish.S3Config) { c.MetadataMaxAge = time.Hour })
	mustPublish(t, p, paymentRef, fixtureSite)
	f.reset()
	for range 5 {
		mustMetadata(t, p, paymentRef)
	}
	if n := f.count("GET", publish.MetadataFile, 0); n != 1 {
		t.Errorf("metadata requests = %d, want 1", n)
	}
	// A publish through this publisher drops the entry at once.
	mustPublish(t, p, paymentRef, writeSite(t, map[string]string{"index.html": "<p>v2</p>"}, "v2-sha"))
	if m := mustMetadata(t, p, paymentRef); m.ETag != "v2-sha" {
		t.Errorf("ETag after Publish = %q, want v2-sha", m.ETag)
	}
}

func TestS3MissingBucket(t *testing.T) {
	p, _ := newTestS3(t, func(c *publish.S3Config) { c.BucketName = "no-such-bucket" })
	_, err := p.Metadata(t.Context(), paymentRef)
	if err == nil {
		t.Fatal("Metadata on a missing bucket succeeded")
	}
	// A missing bucket is a configuration problem, not "no docs".
	if k := kindOf(err); k != "upstream" {
		t.Errorf("kind = %s, want upstream (%v)", k, err)
	}
}

func TestNewS3Invalid(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  publish.S3Config
	}{
		{"no bucket", publish.S3Config{}},
		{"half credentials", publish.S3Config{BucketName: "b", Credentials: publish.S3Credentials{AccessKeyID: "x"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := publish.NewS3(t.Context(), tc.cfg); kindOf(err) != "invalid" {
				t.Errorf("NewS3 error = %v, want invalid", err)
			}
		})
	}
}
