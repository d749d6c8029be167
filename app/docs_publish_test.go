package app

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

const publishFixture = "../techdocs/publish/testdata/site"

func TestDocsPublishLocal(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	err := runDocsPublish(t.Context(), []string{
		"--publisher-type", "local", "--local-publish-directory", dir,
		"--entity", "default/Component/payment-service", "--directory", publishFixture,
	}, &out, &errOut)
	if err != nil {
		t.Fatalf("runDocsPublish: %v\n%s", err, errOut.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "default", "component", "payment-service", "sub", "page", "index.html")); err != nil {
		t.Error(err)
	}
	for _, want := range []string{"[1/5] assets/images/logo.png", "[5/5] techdocs_metadata.json", "published 5 files"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestDocsPublishS3 publishes with techdocs-cli's flags, as a CI script
// written for it passes them, to a real S3-protocol server.
func TestDocsPublishS3(t *testing.T) {
	srv := httptest.NewServer(gofakes3.New(s3mem.New(), gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
	t.Cleanup(srv.Close)
	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true, Credentials: aws.AnonymousCredentials{}})
	if _, err := client.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String("docs")}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))

	var out, errOut bytes.Buffer
	err := runDocsPublish(t.Context(), []string{
		"--publisher-type", "awsS3", "--storage-name", "docs",
		"--entity", "default/Component/payment-service", "--directory", publishFixture,
		"--awsEndpoint", srv.URL, "--awsS3ForcePathStyle", "true", "--awsBucketRootPath", "techdocs",
	}, &out, &errOut)
	if err != nil {
		t.Fatalf("runDocsPublish: %v\n%s", err, errOut.String())
	}
	if _, err := client.HeadObject(t.Context(), &s3.HeadObjectInput{
		Bucket: aws.String("docs"), Key: aws.String("techdocs/default/component/payment-service/index.html"),
	}); err != nil {
		t.Errorf("index.html not in the bucket: %v\n%s", err, out.String())
	}
}

func TestDocsPublishFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no type", []string{"--entity", "default/component/x"}, "--publisher-type is required"},
		{"bad type", []string{"--publisher-type", "googleGcs", "--entity", "default/component/x"}, "not supported"},
		{"no bucket", []string{"--publisher-type", "awsS3", "--entity", "default/component/x"}, "--storage-name"},
		{"bad entity", []string{"--publisher-type", "awsS3", "--storage-name", "b", "--entity", "component:x"}, "NAMESPACE/KIND/NAME"},
		{"stray argument", []string{"--publisher-type", "local", "--entity", "default/component/x", "site"}, "unexpected argument"},
		{"not a site", []string{"--publisher-type", "local", "--local-publish-directory", "LOCAL", "--entity", "default/component/x", "--directory", "."}, "techdocs_metadata.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for i, a := range tc.args {
				if a == "LOCAL" {
					tc.args[i] = t.TempDir()
				}
			}
			var out, errOut bytes.Buffer
			err := runDocsPublish(t.Context(), tc.args, &out, &errOut)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}
