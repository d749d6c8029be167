package publish

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"callboard"
)

// S3Config is techdocs.publisher.awsS3 in Backstage's shape.
type S3Config struct {
	BucketName string `yaml:"bucketName"`
	// Region defaults to the AWS chain's region (AWS_REGION, profile), then
	// us-east-1.
	Region string `yaml:"region"`
	// Endpoint is an S3-compatible server's URL (MinIO, Ceph, R2...).
	Endpoint         string `yaml:"endpoint"`
	S3ForcePathStyle bool   `yaml:"s3ForcePathStyle"`
	// BucketRootPath is a key prefix under which every site is stored.
	BucketRootPath string `yaml:"bucketRootPath"`
	// SSE is the server-side encryption of uploads ("AES256", "aws:kms").
	SSE         string        `yaml:"sse"`
	Credentials S3Credentials `yaml:"credentials"`

	// LegacyUseCaseSensitiveTripletPaths: see Config.
	LegacyUseCaseSensitiveTripletPaths bool `yaml:"-"`
	// MetadataMaxAge is how long cached metadata is served without asking
	// the bucket; after it, a conditional GET revalidates it (a 304 moves
	// no body). Zero revalidates on every call.
	MetadataMaxAge time.Duration `yaml:"-"`
	// HTTPClient, when set, carries the SDK's requests (tests, proxies).
	HTTPClient *http.Client `yaml:"-"`
}

// S3Credentials are static keys; when empty the standard AWS chain is used
// (environment, shared files, web identity, instance role). RoleArn, when
// set, is assumed with either.
type S3Credentials struct {
	AccessKeyID     string `yaml:"accessKeyId"`
	SecretAccessKey string `yaml:"secretAccessKey"`
	RoleArn         string `yaml:"roleArn"`
}

// S3 stores sites in an S3 bucket: techdocs.publisher.type awsS3.
type S3 struct {
	client *s3.Client
	bucket string
	root   string // key prefix ending in "/", or ""
	cfg    S3Config
	cache  metaCache
	now    func() time.Time
}

// s3Workers bounds concurrent uploads and deletes, as Backstage's
// publisher limits its own.
const s3Workers = 8

// NewS3 returns an S3 publisher. It makes no request: an unreachable bucket
// shows on first use, so the portal still starts.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if cfg.BucketName == "" {
		return nil, callboard.Errorf(callboard.Invalid, "techdocs.publisher.awsS3.bucketName is required")
	}
	var opts []func(*awsconfig.LoadOptions) error
	if cfg.Region != "" {
		opts = append(opts, awsconfig.WithRegion(cfg.Region))
	}
	if c := cfg.Credentials; c.AccessKeyID != "" || c.SecretAccessKey != "" {
		if c.AccessKeyID == "" || c.SecretAccessKey == "" {
			return nil, callboard.Errorf(callboard.Invalid,
				"techdocs.publisher.awsS3.credentials needs both accessKeyId and secretAccessKey")
		}
		opts = append(opts, awsconfig.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, "")))
	}
	if cfg.HTTPClient != nil {
		opts = append(opts, awsconfig.WithHTTPClient(cfg.HTTPClient))
	}
	if cfg.Endpoint != "" {
		// S3-compatible servers often reject the checksums that newer SDKs
		// send by default; ask for them only where the API requires them.
		opts = append(opts,
			awsconfig.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
			awsconfig.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, callboard.Wrap(callboard.Invalid, err, "techdocs.publisher.awsS3")
	}
	if awsCfg.Region == "" {
		awsCfg.Region = "us-east-1"
	}
	if cfg.Credentials.RoleArn != "" {
		awsCfg.Credentials = aws.NewCredentialsCache(
			stscreds.NewAssumeRoleProvider(sts.NewFromConfig(awsCfg), cfg.Credentials.RoleArn))
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		o.UsePathStyle = cfg.S3ForcePathStyle
	})
	root := strings.Trim(cfg.BucketRootPath, "/")
	if root != "" {
		root += "/"
	}
	return &S3{client: client, bucket: cfg.BucketName, root: root, cfg: cfg, now: time.Now}, nil
}

// prefix returns the key prefix of entity's site, ending in "/".
func (p *S3) prefix(entity callboard.EntityRef) (string, error) {
	t, err := tripletPath(entity, p.cfg.LegacyUseCaseSensitiveTripletPaths)
	if err != nil {
		return "", err
	}
	return p.root + t + "/", nil
}

// Publish implements Publisher: upload, metadata last, then delete the keys
// under the site's prefix that the new site lacks.
func (p *S3) Publish(ctx context.Context, entity callboard.EntityRef, dir string) (Result, error) {
	prefix, err := p.prefix(entity)
	if err != nil {
		return Result{}, err
	}
	files, meta, err := readSite(dir)
	if err != nil {
		return Result{}, err
	}
	existing, err := p.keys(ctx, prefix)
	if err != nil {
		return Result{}, err
	}
	progress := progressOf(ctx)
	var mu sync.Mutex
	done := 0
	upload := func(ctx context.Context, f siteFile) error {
		if err := p.put(ctx, prefix+f.name, f); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		done++
		progress(done, len(files), f.name, f.size)
		return nil
	}
	last := len(files) - 1 // techdocs_metadata.json, see readSite
	if err := parallel(ctx, files[:last], upload); err != nil {
		return Result{}, fmt.Errorf("publish %s: %w", entity, err)
	}
	if err := upload(ctx, files[last]); err != nil {
		return Result{}, fmt.Errorf("publish %s: %w", entity, err)
	}
	keep := make(map[string]bool, len(files))
	for _, f := range files {
		keep[prefix+f.name] = true
	}
	var stale []string
	for _, k := range existing {
		if !keep[k] {
			stale = append(stale, k)
		}
	}
	if err := p.deleteKeys(ctx, stale); err != nil {
		return Result{}, fmt.Errorf("publish %s: remove stale files: %w", entity, err)
	}
	p.cache.drop(prefix)
	return resultOf(files, meta, len(stale)), nil
}

func (p *S3) put(ctx context.Context, key string, f siteFile) error {
	body, err := os.Open(f.path)
	if err != nil {
		return err
	}
	defer body.Close()
	in := &s3.PutObjectInput{
		Bucket:        aws.String(p.bucket),
		Key:           aws.String(key),
		Body:          body,
		ContentLength: aws.Int64(f.size),
		ContentType:   aws.String(ContentType(f.name)),
	}
	if p.cfg.SSE != "" {
		in.ServerSideEncryption = types.ServerSideEncryption(p.cfg.SSE)
	}
	if _, err := p.client.PutObject(ctx, in); err != nil {
		return s3Err(err, "upload %s", key)
	}
	return nil
}

// parallel runs fn over items with s3Workers goroutines and returns the
// first error; the others are cancelled.
func parallel[T any](ctx context.Context, items []T, fn func(context.Context, T) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	ch := make(chan T)
	var wg sync.WaitGroup
	for range min(s3Workers, len(items)) {
		wg.Go(func() {
			for it := range ch {
				if err := fn(ctx, it); err != nil {
					cancel(err)
				}
			}
		})
	}
feed:
	for _, it := range items {
		select {
		case ch <- it:
		case <-ctx.Done():
			break feed
		}
	}
	close(ch)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}

// keys lists every key under prefix.
func (p *S3) keys(ctx context.Context, prefix string) ([]string, error) {
	var out []string
	pages := s3.NewListObjectsV2Paginator(p.client, &s3.ListObjectsV2Input{
		Bucket: aws.String(p.bucket), Prefix: aws.String(prefix),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, s3Err(err, "list %s", prefix)
		}
		for _, o := range page.Contents {
			out = append(out, aws.ToString(o.Key))
		}
	}
	return out, nil
}

// deleteKeys deletes keys in batches of 1000, the API's limit.
func (p *S3) deleteKeys(ctx context.Context, keys []string) error {
	var batches [][]string
	for len(keys) > 0 {
		n := min(1000, len(keys))
		batches = append(batches, keys[:n])
		keys = keys[n:]
	}
	return parallel(ctx, batches, func(ctx context.Context, batch []string) error {
		ids := make([]types.ObjectIdentifier, len(batch))
		for i, k := range batch {
			ids[i] = types.ObjectIdentifier{Key: aws.String(k)}
		}
		out, err := p.client.DeleteObjects(ctx, &s3.DeleteObjectsInput{
			Bucket: aws.String(p.bucket),
			Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)},
		})
		if err != nil {
			return s3Err(err, "delete %d objects", len(batch))
		}
		if len(out.Errors) > 0 {
			e := out.Errors[0]
			return callboard.Errorf(callboard.Upstream, "delete %s: %s: %s",
				aws.ToString(e.Key), aws.ToString(e.Code), aws.ToString(e.Message))
		}
		return nil
	})
}

// Metadata implements Publisher. Within MetadataMaxAge the cached value is
// returned without a request; after it, a GET with If-None-Match returns
// 304 while the object is unchanged.
func (p *S3) Metadata(ctx context.Context, entity callboard.EntityRef) (*Metadata, error) {
	prefix, err := p.prefix(entity)
	if err != nil {
		return nil, err
	}
	cached, ok := p.cache.get(prefix)
	now := p.now()
	if ok && now.Sub(cached.checked) < p.cfg.MetadataMaxAge {
		return cached.meta.clone(), nil
	}
	in := &s3.GetObjectInput{Bucket: aws.String(p.bucket), Key: aws.String(prefix + MetadataFile)}
	if ok {
		in.IfNoneMatch = aws.String(cached.tag)
	}
	out, err := p.client.GetObject(ctx, in)
	if ok && httpStatus(err) == http.StatusNotModified {
		cached.checked = now
		p.cache.put(prefix, cached)
		return cached.meta.clone(), nil
	}
	if err != nil {
		p.cache.drop(prefix)
		return nil, s3Err(err, "techdocs metadata of %s", entity)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(io.LimitReader(out.Body, 64<<20))
	if err != nil {
		return nil, s3Err(err, "techdocs metadata of %s", entity)
	}
	meta, err := ParseMetadata(b)
	if err != nil {
		return nil, callboard.Wrap(callboard.Internal, err, "techdocs metadata of %s", entity)
	}
	p.cache.put(prefix, metaEntry{tag: aws.ToString(out.ETag), meta: meta, checked: now})
	return meta.clone(), nil
}

// Open implements Publisher.
func (p *S3) Open(ctx context.Context, entity callboard.EntityRef, name string) (io.ReadCloser, ContentInfo, error) {
	prefix, err := p.prefix(entity)
	if err != nil {
		return nil, ContentInfo{}, err
	}
	clean, err := cleanName(name)
	if err != nil {
		return nil, ContentInfo{}, err
	}
	out, err := p.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(p.bucket), Key: aws.String(prefix + clean)})
	if err != nil {
		if callboard.ErrorKind(s3Err(err, "")) == callboard.NotFound {
			return nil, ContentInfo{}, callboard.Errorf(callboard.NotFound, "no %s in the docs of %s", clean, entity)
		}
		return nil, ContentInfo{}, s3Err(err, "open %s of %s", clean, entity)
	}
	info := ContentInfo{
		ContentType: ContentType(clean),
		ETag:        aws.ToString(out.ETag),
		Size:        aws.ToInt64(out.ContentLength),
		ModTime:     aws.ToTime(out.LastModified),
	}
	return out.Body, info, nil
}

// Delete implements Publisher.
func (p *S3) Delete(ctx context.Context, entity callboard.EntityRef) error {
	prefix, err := p.prefix(entity)
	if err != nil {
		return err
	}
	p.cache.drop(prefix)
	keys, err := p.keys(ctx, prefix)
	if err != nil {
		return err
	}
	if err := p.deleteKeys(ctx, keys); err != nil {
		return fmt.Errorf("delete docs of %s: %w", entity, err)
	}
	return nil
}

// List implements Publisher. It walks the bucket with "/" as delimiter,
// three levels down, so it costs one listing per namespace and kind rather
// than one per stored file.
func (p *S3) List(ctx context.Context) ([]callboard.EntityRef, error) {
	var refs []callboard.EntityRef
	namespaces, err := p.dirs(ctx, p.root)
	if err != nil {
		return nil, err
	}
	for _, ns := range namespaces {
		kinds, err := p.dirs(ctx, p.root+ns+"/")
		if err != nil {
			return nil, err
		}
		for _, kind := range kinds {
			names, err := p.dirs(ctx, p.root+ns+"/"+kind+"/")
			if err != nil {
				return nil, err
			}
			for _, name := range names {
				refs = append(refs, callboard.EntityRef{Kind: kind, Namespace: ns, Name: name})
			}
		}
	}
	return refs, nil
}

// dirs lists the "directories" (common prefixes) directly under prefix.
func (p *S3) dirs(ctx context.Context, prefix string) ([]string, error) {
	var out []string
	pages := s3.NewListObjectsV2Paginator(p.client, &s3.ListObjectsV2Input{
		Bucket: aws.String(p.bucket), Prefix: aws.String(prefix), Delimiter: aws.String("/"),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, s3Err(err, "list %s", prefix)
		}
		for _, cp := range page.CommonPrefixes {
			name := strings.TrimSuffix(strings.TrimPrefix(aws.ToString(cp.Prefix), prefix), "/")
			if name != "" && !strings.Contains(name, "/") {
				out = append(out, name)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// HasDocs implements Publisher with a HEAD of index.html.
func (p *S3) HasDocs(ctx context.Context, entity callboard.EntityRef) (bool, error) {
	prefix, err := p.prefix(entity)
	if err != nil {
		return false, err
	}
	_, err = p.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(p.bucket), Key: aws.String(path.Join(prefix, "index.html"))})
	if err == nil {
		return true, nil
	}
	if err = s3Err(err, "docs of %s", entity); callboard.ErrorKind(err) == callboard.NotFound {
		return false, nil
	}
	return false, err
}

// httpStatus returns the HTTP status of a failed SDK call, or 0.
func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// s3Err classifies an SDK error: a missing key or bucket is NotFound,
// anything else Upstream (the storage is another system). Context errors
// pass through unchanged.
func s3Err(err error, format string, args ...any) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var nsk *types.NoSuchKey
	var nf *types.NotFound
	switch {
	case isNoSuchBucket(err):
		return callboard.Wrap(callboard.Upstream, err, "the TechDocs bucket does not exist: "+format, args...)
	case errors.As(err, &nsk), errors.As(err, &nf), httpStatus(err) == http.StatusNotFound:
		return callboard.Wrap(callboard.NotFound, err, format, args...)
	}
	return callboard.Wrap(callboard.Upstream, err, format, args...)
}

// isNoSuchBucket tells a missing bucket, a configuration error that must
// not read as "no docs", from a missing key.
func isNoSuchBucket(err error) bool {
	var nb *types.NoSuchBucket
	var api smithy.APIError
	return errors.As(err, &nb) || errors.As(err, &api) && api.ErrorCode() == "NoSuchBucket"
}

var _ Publisher = (*S3)(nil)
