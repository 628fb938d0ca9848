package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	tmtypes "github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluicehq/sluice/internal/destination"
)

// Config says which endpoint to write to and how.
type Config struct {
	// Endpoint is the S3 endpoint URL ("http://127.0.0.1:7070"). Empty
	// means AWS S3 itself, resolved from Region.
	Endpoint string
	// Region signs requests; S3-compatible servers usually accept any.
	Region string
	// PathStyle addresses buckets as /<bucket>/<key> instead of
	// <bucket>.<host>; S3-compatible servers usually need it.
	PathStyle bool
	// AccessKey and SecretKey are static credentials. Empty means the
	// SDK's default chain: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
	// AWS_SESSION_TOKEN, the shared config files, then instance roles.
	AccessKey string
	SecretKey string
	// MultipartThreshold is the object size from which a multipart upload
	// is used (default 16 MiB), in parts of PartSize (default 8 MiB).
	MultipartThreshold int64
	PartSize           int64
}

// Client writes objects to one S3 endpoint. It is safe for concurrent use.
type Client struct {
	cfg Config
	s3  *s3.Client
	tm  *transfermanager.Client
}

var _ destination.ObjectStore = (*Client)(nil)

// New builds a client. It does not contact the endpoint.
func New(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.MultipartThreshold <= 0 {
		cfg.MultipartThreshold = 16 << 20
	}
	if cfg.PartSize <= 0 {
		cfg.PartSize = 8 << 20
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	opts := []func(*awsconfig.LoadOptions) error{
		awsconfig.WithRegion(cfg.Region),
		// The delivery runner retries with its own back-off and logs
		// every failure; retries hidden in the SDK would only delay that.
		awsconfig.WithRetryer(func() aws.Retryer { return aws.NopRetryer{} }),
	}
	switch {
	case cfg.AccessKey != "" && cfg.SecretKey != "":
		opts = append(opts, awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(cfg.AccessKey, cfg.SecretKey, "")))
	case cfg.AccessKey != "" || cfg.SecretKey != "":
		return nil, errors.New("s3: set both the access key and the secret key, or neither")
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("s3: load AWS configuration: %w", err)
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		o.UsePathStyle = cfg.PathStyle
	})
	tm := transfermanager.New(client, func(o *transfermanager.Options) {
		o.MultipartUploadThreshold = cfg.MultipartThreshold
		o.PartSizeBytes = cfg.PartSize
	})
	return &Client{cfg: cfg, s3: client, tm: tm}, nil
}

// S3 returns the underlying SDK client (for tests and tools).
func (c *Client) S3() *s3.Client { return c.s3 }

// PutObject writes obj, as one PutObject or as a multipart upload for
// large bodies. A failed multipart upload is aborted by the transfer
// manager, so retries leave no orphaned parts behind.
func (c *Client) PutObject(ctx context.Context, obj destination.Object) error {
	in := &transfermanager.UploadObjectInput{
		Bucket:        aws.String(obj.Bucket),
		Key:           aws.String(obj.Key),
		Body:          bytes.NewReader(obj.Body),
		ContentLength: aws.Int64(int64(len(obj.Body))),
	}
	if obj.KMSKeyARN != "" {
		in.ServerSideEncryption = tmtypes.ServerSideEncryptionAwsKms
		in.SSEKMSKeyID = aws.String(obj.KMSKeyARN)
	}
	if _, err := c.tm.UploadObject(ctx, in); err != nil {
		return fmt.Errorf("s3: put object %s/%s: %w", obj.Bucket, obj.Key, err)
	}
	return nil
}
