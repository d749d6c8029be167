package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"callboard"
	"callboard/techdocs/publish"
)

const docsPublishUsage = `Usage: callboard docs publish --publisher-type awsS3|local --entity NAMESPACE/KIND/NAME [flags]

Uploads a built TechDocs site (from callboard docs generate or Backstage's
techdocs-cli) to the storage the portal reads, under NAMESPACE/KIND/NAME/
(lowercased). Files of an earlier publish that the new site lacks are removed.
Flags follow techdocs-cli publish; the kebab-case spellings are accepted too.

  --publisher-type TYPE        awsS3 or local (techdocs.publisher.type)
  --storage-name BUCKET        the S3 bucket (techdocs.publisher.awsS3.bucketName)
  --entity NS/KIND/NAME        the entity the docs belong to, e.g. default/component/payment-service
  --directory DIR              the built site (default ./site)
  --awsEndpoint URL            an S3-compatible endpoint (--aws-endpoint)
  --awsS3ForcePathStyle        path-style bucket addressing (--aws-s3-force-path-style)
  --awsBucketRootPath PATH     a key prefix for every site (--aws-bucket-root-path)
  --awsRoleArn ARN             a role to assume (--aws-role-arn)
  --awsS3sse ALGORITHM         server-side encryption, e.g. AES256 (--aws-s3-sse)
  --local-publish-directory DIR
                               where local sites live (techdocs.publisher.local.publishDirectory)
  --legacyUseCaseSensitiveTripletPaths
                               keep the case of NAMESPACE/KIND/NAME in paths

AWS credentials and region come from the standard AWS chain: AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION, AWS_PROFILE, web identity
or the instance role.
`

// runDocsPublish implements "callboard docs publish".
func runDocsPublish(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("docs publish", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() { fmt.Fprint(stderr, docsPublishUsage) }
	var (
		cfg                  publish.Config
		entity, dir, storage string
	)
	str := func(p *string, value string, names ...string) {
		for _, n := range names {
			flags.StringVar(p, n, value, "")
		}
	}
	boolean := func(p *bool, names ...string) {
		for _, n := range names {
			flags.BoolVar(p, n, false, "")
		}
	}
	str(&cfg.Type, "", "publisher-type")
	str(&storage, "", "storage-name")
	str(&entity, "", "entity")
	str(&dir, "./site", "directory")
	str(&cfg.AWSS3.Endpoint, "", "awsEndpoint", "aws-endpoint")
	str(&cfg.AWSS3.BucketRootPath, "", "awsBucketRootPath", "aws-bucket-root-path")
	str(&cfg.AWSS3.Credentials.RoleArn, "", "awsRoleArn", "aws-role-arn")
	str(&cfg.AWSS3.SSE, "", "awsS3sse", "aws-s3-sse")
	str(&cfg.Local.PublishDirectory, "", "local-publish-directory", "localPublishDirectory")
	boolean(&cfg.AWSS3.S3ForcePathStyle, "awsS3ForcePathStyle", "aws-s3-force-path-style")
	boolean(&cfg.LegacyUseCaseSensitiveTripletPaths, "legacyUseCaseSensitiveTripletPaths", "legacy-use-case-sensitive-triplet-paths")
	if err := flags.Parse(joinBoolValues(flags, args)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errSilent // flag has printed the error and the usage
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("docs publish: unexpected argument %q (see --help)", flags.Arg(0))
	}
	ref, err := parseTriplet(entity)
	if err != nil {
		return err
	}
	var where string
	switch cfg.Type {
	case "awsS3":
		if storage == "" {
			return fmt.Errorf("docs publish: --storage-name (the bucket) is required with --publisher-type awsS3")
		}
		cfg.AWSS3.BucketName = storage
		where = "s3://" + storage + "/" + strings.Trim(cfg.AWSS3.BucketRootPath, "/")
	case "local":
		if cfg.Local.PublishDirectory == "" {
			cfg.Local.PublishDirectory = storage
		}
		if cfg.Local.PublishDirectory == "" {
			return fmt.Errorf("docs publish: --local-publish-directory is required with --publisher-type local")
		}
		where = cfg.Local.PublishDirectory
	case "":
		return fmt.Errorf("docs publish: --publisher-type is required (awsS3 or local)")
	default:
		return fmt.Errorf("docs publish: --publisher-type %q is not supported: use awsS3 or local", cfg.Type)
	}
	pub, err := publish.New(ctx, cfg)
	if err != nil {
		return err
	}

	start := time.Now()
	fmt.Fprintf(stdout, "publishing %s for %s/%s/%s to %s\n", dir, ref.Namespace, ref.Kind, ref.Name, where)
	ctx = publish.WithProgress(ctx, func(done, total int, name string, size int64) {
		fmt.Fprintf(stdout, "[%*d/%d] %s (%s)\n", len(fmt.Sprint(total)), done, total, name, formatBytes(size))
	})
	res, err := pub.Publish(ctx, ref, dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "published %s, %s in %s", plural(len(res.Files), "file"), formatBytes(res.Bytes),
		time.Since(start).Round(time.Millisecond))
	if res.Removed > 0 {
		fmt.Fprintf(stdout, "; removed %s left from the previous publish", plural(res.Removed, "file"))
	}
	if res.ETag != "" {
		fmt.Fprintf(stdout, "; etag %s", res.ETag)
	}
	fmt.Fprintln(stdout)
	return nil
}

// parseTriplet parses techdocs-cli's --entity, "namespace/kind/name".
func parseTriplet(s string) (callboard.EntityRef, error) {
	parts := strings.Split(s, "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return callboard.EntityRef{}, fmt.Errorf("docs publish: --entity must be NAMESPACE/KIND/NAME, e.g. default/component/payment-service, not %q", s)
	}
	return callboard.EntityRef{Namespace: parts[0], Kind: parts[1], Name: parts[2]}, nil
}

// joinBoolValues rewrites "--boolflag true" as "--boolflag=true". CI
// scripts written for techdocs-cli pass "--awsS3ForcePathStyle true", which
// Go's flag package would read as the first positional argument.
func joinBoolValues(flags *flag.FlagSet, args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		out = append(out, a)
		if a == "--" {
			out = append(out, args[i+1:]...)
			break
		}
		name := strings.TrimLeft(a, "-")
		if name == a || strings.Contains(name, "=") || i+1 >= len(args) {
			continue
		}
		f := flags.Lookup(name)
		if f == nil {
			continue
		}
		if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); !ok || !bf.IsBoolFlag() {
			continue
		}
		if v := strings.ToLower(args[i+1]); v == "true" || v == "false" {
			out[len(out)-1] = a + "=" + v
			i++
		}
	}
	return out
}

// formatBytes prints n in B, KiB or MiB.
func formatBytes(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
