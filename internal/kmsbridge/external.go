package kmsbridge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/sluicehq/sluice/internal/firehose"
)

// ExternalConfig says how to reach an external KMS-compatible endpoint.
type ExternalConfig struct {
	// Endpoint is the service URL (https://kms.us-east-1.amazonaws.com, or
	// an emulator's). Required.
	Endpoint string
	// Region is the region requests are signed for; every key Sluice uses
	// lives in it.
	Region string
	// AccessKey and SecretKey are static credentials. When both are empty
	// the SDK's default chain is used (AWS_ACCESS_KEY_ID and friends, the
	// shared files, an instance role).
	AccessKey string
	SecretKey string
	// CallTimeout bounds one KMS call, retries included (default 15 s), so
	// an unresponsive KMS cannot stall the controller or a put for long.
	CallTimeout time.Duration
	// HTTPClient is optional (tests, custom TLS).
	HTTPClient *http.Client
}

// External is firehose.KMS over any KMS-compatible endpoint, through the
// AWS SDK. Keys are the endpoint's keys: Sluice signs every call with its
// own credentials, so the stream's account is not used to reach them.
type External struct {
	client  *awskms.Client
	timeout time.Duration

	mu         sync.Mutex
	serviceKey string // ARN of the AWS_OWNED_CMK key, once known
}

var _ firehose.KMS = (*External)(nil)

// NewExternal builds the client. It does not contact the endpoint.
func NewExternal(ctx context.Context, cfg ExternalConfig) (*External, error) {
	if cfg.Endpoint == "" {
		return nil, errors.New("kmsbridge: external KMS endpoint is required")
	}
	if cfg.Region == "" {
		return nil, errors.New("kmsbridge: external KMS region is required")
	}
	if (cfg.AccessKey == "") != (cfg.SecretKey == "") {
		return nil, errors.New("kmsbridge: external KMS access key and secret key must be set together")
	}
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(cfg.Region)}
	if cfg.AccessKey != "" {
		opts = append(opts, awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(cfg.AccessKey, cfg.SecretKey, "")))
	}
	if cfg.HTTPClient != nil {
		opts = append(opts, awsconfig.WithHTTPClient(cfg.HTTPClient))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("kmsbridge: external KMS config: %w", err)
	}
	timeout := cfg.CallTimeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	client := awskms.NewFromConfig(awsCfg, func(o *awskms.Options) {
		o.BaseEndpoint = aws.String(cfg.Endpoint)
	})
	return &External{client: client, timeout: timeout}, nil
}

func (e *External) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, e.timeout)
}

func (e *External) DescribeKey(ctx context.Context, _ firehose.Caller, keyID string) (firehose.KMSKey, error) {
	ctx, cancel := e.call(ctx)
	defer cancel()
	out, err := e.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String(keyID)})
	if err != nil {
		return firehose.KMSKey{}, translateAPI("DescribeKey", err)
	}
	md := out.KeyMetadata
	if md == nil {
		return firehose.KMSKey{}, fmt.Errorf("kmsbridge: DescribeKey %s: no KeyMetadata in the answer", keyID)
	}
	spec := string(md.KeySpec)
	if spec == "" {
		spec = string(md.CustomerMasterKeySpec) //nolint:staticcheck // older endpoints only send this one
	}
	usage := string(md.KeyUsage)
	return firehose.KMSKey{
		ARN:       aws.ToString(md.Arn),
		State:     string(md.KeyState),
		Symmetric: (spec == "" || spec == "SYMMETRIC_DEFAULT") && (usage == "" || usage == "ENCRYPT_DECRYPT"),
	}, nil
}

// CreateGrant returns the existing grant of that name on the key if there
// is one: AWS KMS is idempotent by name itself, but not every
// KMS-compatible endpoint is, and a retried enable must not pile up grants.
func (e *External) CreateGrant(ctx context.Context, _ firehose.Caller, keyARN, name string) (string, error) {
	ctx, cancel := e.call(ctx)
	defer cancel()
	id, err := e.findGrant(ctx, keyARN, func(g types.GrantListEntry) bool {
		return aws.ToString(g.Name) == name && aws.ToString(g.GranteePrincipal) == firehose.GranteePrincipal
	})
	if err != nil || id != "" {
		return id, err
	}
	ops := make([]types.GrantOperation, len(grantOperations))
	for i, op := range grantOperations {
		ops[i] = types.GrantOperation(op)
	}
	out, err := e.client.CreateGrant(ctx, &awskms.CreateGrantInput{
		KeyId:             aws.String(keyARN),
		GranteePrincipal:  aws.String(firehose.GranteePrincipal),
		RetiringPrincipal: aws.String(firehose.GranteePrincipal),
		Operations:        ops,
		Name:              aws.String(name),
	})
	if err != nil {
		return "", translateAPI("CreateGrant", err)
	}
	return aws.ToString(out.GrantId), nil
}

// findGrant returns the id of the first grant of the key that match
// accepts, or "".
func (e *External) findGrant(ctx context.Context, keyARN string, match func(types.GrantListEntry) bool) (string, error) {
	in := &awskms.ListGrantsInput{KeyId: aws.String(keyARN), Limit: aws.Int32(100)}
	for {
		out, err := e.client.ListGrants(ctx, in)
		if err != nil {
			return "", translateAPI("ListGrants", err)
		}
		for _, g := range out.Grants {
			if match(g) {
				return aws.ToString(g.GrantId), nil
			}
		}
		if !out.Truncated || aws.ToString(out.NextMarker) == "" {
			return "", nil
		}
		in.Marker = out.NextMarker
	}
}

func (e *External) RetireGrant(ctx context.Context, _ firehose.Caller, keyARN, grantID string) error {
	ctx, cancel := e.call(ctx)
	defer cancel()
	_, err := e.client.RetireGrant(ctx, &awskms.RetireGrantInput{KeyId: aws.String(keyARN), GrantId: aws.String(grantID)})
	return translateAPI("RetireGrant", err)
}

// CheckGrant lists the grant by id (an unknown id is an error on AWS, an
// empty list on some emulators: both mean it was revoked) and checks that
// the key is enabled.
func (e *External) CheckGrant(ctx context.Context, _ firehose.Caller, keyARN, grantID string) error {
	ctx, cancel := e.call(ctx)
	defer cancel()
	out, err := e.client.ListGrants(ctx, &awskms.ListGrantsInput{KeyId: aws.String(keyARN), GrantId: aws.String(grantID)})
	if err != nil {
		return translateAPI("ListGrants", err)
	}
	found := false
	for _, g := range out.Grants {
		found = found || aws.ToString(g.GrantId) == grantID
	}
	if !found {
		return &firehose.KMSError{Code: "InvalidGrantIdException", Message: fmt.Sprintf("Grant ID %s is not valid for key %s.", grantID, keyARN)}
	}
	d, err := e.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String(keyARN)})
	if err != nil {
		return translateAPI("DescribeKey", err)
	}
	if d.KeyMetadata == nil {
		return fmt.Errorf("kmsbridge: DescribeKey %s: no KeyMetadata in the answer", keyARN)
	}
	return stateError(aws.ToString(d.KeyMetadata.Arn), string(d.KeyMetadata.KeyState))
}

// stateError is the error KMS gives for encrypting under a key in state,
// or nil for an enabled key.
func stateError(arn, state string) error {
	switch state {
	case "Enabled":
		return nil
	case "Disabled":
		return &firehose.KMSError{Code: "DisabledException", Message: arn + " is disabled."}
	case "PendingDeletion":
		return &firehose.KMSError{Code: "KMSInvalidStateException", Message: arn + " is pending deletion."}
	default:
		return &firehose.KMSError{Code: "KMSInvalidStateException", Message: fmt.Sprintf("%s is %s.", arn, state)}
	}
}

func (e *External) GenerateDataKey(ctx context.Context, _ firehose.Caller, keyARN string, encCtx map[string]string) ([]byte, []byte, error) {
	ctx, cancel := e.call(ctx)
	defer cancel()
	out, err := e.client.GenerateDataKey(ctx, &awskms.GenerateDataKeyInput{
		KeyId: aws.String(keyARN), KeySpec: types.DataKeySpecAes256, EncryptionContext: encCtx,
	})
	if err != nil {
		return nil, nil, translateAPI("GenerateDataKey", err)
	}
	return out.Plaintext, out.CiphertextBlob, nil
}

func (e *External) Decrypt(ctx context.Context, _ firehose.Caller, keyARN string, encrypted []byte, encCtx map[string]string) ([]byte, error) {
	ctx, cancel := e.call(ctx)
	defer cancel()
	out, err := e.client.Decrypt(ctx, &awskms.DecryptInput{
		KeyId: aws.String(keyARN), CiphertextBlob: encrypted, EncryptionContext: encCtx,
	})
	if err != nil {
		return nil, translateAPI("Decrypt", err)
	}
	return out.Plaintext, nil
}

// ServiceKey finds, or creates, the key aliased
// alias/sluice/firehose-aws-owned-cmk in the external KMS: it stands for
// AWS_OWNED_CMK whatever the stream's region. Two nodes racing to create it
// both end up using the key the alias names (the loser's key stays
// unused).
func (e *External) ServiceKey(ctx context.Context, _ string) (string, firehose.Caller, error) {
	e.mu.Lock()
	arn := e.serviceKey
	e.mu.Unlock()
	if arn == "" {
		var err error
		if arn, err = e.findOrCreateServiceKey(ctx); err != nil {
			return "", firehose.Caller{}, err
		}
		e.mu.Lock()
		e.serviceKey = arn
		e.mu.Unlock()
	}
	owner, ok := KeyOwner(arn)
	if !ok {
		return "", firehose.Caller{}, fmt.Errorf("kmsbridge: service key %q is not a KMS key ARN", arn)
	}
	return arn, owner, nil
}

func (e *External) findOrCreateServiceKey(ctx context.Context) (string, error) {
	ctx, cancel := e.call(ctx)
	defer cancel()
	describe := func() (string, error) {
		out, err := e.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String(serviceKeyAlias)})
		if err != nil {
			return "", translateAPI("DescribeKey", err)
		}
		return aws.ToString(out.KeyMetadata.Arn), nil
	}
	arn, err := describe()
	if firehose.KMSCode(err) != "NotFoundException" {
		return arn, err
	}
	created, err := e.client.CreateKey(ctx, &awskms.CreateKeyInput{Description: aws.String("Sluice Firehose AWS_OWNED_CMK")})
	if err != nil {
		return "", fmt.Errorf("kmsbridge: create service key: %w", translateAPI("CreateKey", err))
	}
	_, err = e.client.CreateAlias(ctx, &awskms.CreateAliasInput{AliasName: aws.String(serviceKeyAlias), TargetKeyId: created.KeyMetadata.KeyId})
	if err != nil && firehose.KMSCode(translateAPI("CreateAlias", err)) != "AlreadyExistsException" {
		return "", fmt.Errorf("kmsbridge: alias service key: %w", translateAPI("CreateAlias", err))
	}
	return describe()
}

// KeyOwner reads the account and region out of a key ARN
// (arn:<partition>:kms:<region>:<account>:key/<id>).
func KeyOwner(keyARN string) (firehose.Caller, bool) {
	parts := strings.SplitN(keyARN, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "kms" || parts[3] == "" || parts[4] == "" {
		return firehose.Caller{}, false
	}
	return firehose.Caller{Region: parts[3], AccountID: parts[4]}, true
}

// transientCodes are KMS's own failures: they say nothing about the key,
// so the caller retries instead of failing the stream. (KMS's
// LimitExceededException is a quota, such as grants per key: the
// customer's to fix, so not transient.)
var transientCodes = map[string]bool{
	"DependencyTimeoutException":  true,
	"KMSInternalException":        true,
	"KeyUnavailableException":     true,
	"ThrottlingException":         true,
	"Throttling":                  true,
	"RequestLimitExceeded":        true,
	"ServiceUnavailable":          true,
	"ServiceUnavailableException": true,
	"InternalFailure":             true,
	"InternalServerError":         true,
	"RequestTimeout":              true,
	"RequestTimeoutException":     true,
}

// authCodes mean KMS refused Sluice's own credentials; to the stream that
// is access denied.
var authCodes = map[string]bool{
	"AccessDeniedException":       true,
	"UnrecognizedClientException": true,
	"InvalidSignatureException":   true,
	"IncompleteSignature":         true,
	"MissingAuthenticationToken":  true,
	"ExpiredTokenException":       true,
	"InvalidClientTokenId":        true,
}

// translateAPI turns an SDK error into *firehose.KMSError when KMS refused
// the call for a reason of the key, grant or credentials; KMS's own
// failures and network errors stay plain errors, which callers retry.
func translateAPI(op string, err error) error {
	if err == nil {
		return nil
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return fmt.Errorf("kmsbridge: %s: %w", op, err)
	}
	code := apiErr.ErrorCode()
	if transientCodes[code] || (apiErr.ErrorFault() == smithy.FaultServer && !authCodes[code]) {
		return fmt.Errorf("kmsbridge: %s: %w", op, err)
	}
	msg := apiErr.ErrorMessage()
	if authCodes[code] && code != "AccessDeniedException" {
		msg = code + ": " + msg
		code = "AccessDeniedException"
	}
	return &firehose.KMSError{Code: code, Message: msg}
}
