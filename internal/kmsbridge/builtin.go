package kmsbridge

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/sluicehq/sluice/internal/firehose"
	"github.com/sluicehq/sluice/internal/kms"
)

// ServiceAccountID is the account of the built-in KMS that holds the keys
// standing for AWS_OWNED_CMK. Like AWS's own service account, callers do
// not see it unless they sign requests for it.
const ServiceAccountID = "999999999999"

// serviceKeyAlias names the AWS_OWNED_CMK key of each region.
const serviceKeyAlias = "alias/sluice/firehose-aws-owned-cmk"

// grantOperations are what Firehose needs of a customer key: encrypt and
// decrypt data keys, and manage its own grant.
var grantOperations = []string{"Encrypt", "Decrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
	"ReEncryptFrom", "ReEncryptTo", "DescribeKey", "CreateGrant", "RetireGrant"}

// Builtin is firehose.KMS over the built-in KMS.
type Builtin struct {
	kms *kms.Service

	mu          sync.Mutex
	serviceKeys map[string]string // region -> key ARN
}

var _ firehose.KMS = (*Builtin)(nil)

// NewBuiltin wraps the built-in KMS.
func NewBuiltin(k *kms.Service) *Builtin {
	return &Builtin{kms: k, serviceKeys: make(map[string]string)}
}

func caller(c firehose.Caller) kms.Caller {
	return kms.Caller{AccountID: c.AccountID, Region: c.Region}
}

func (b *Builtin) DescribeKey(ctx context.Context, c firehose.Caller, keyID string) (firehose.KMSKey, error) {
	md, err := b.kms.DescribeKey(ctx, caller(c), keyID)
	if err != nil {
		return firehose.KMSKey{}, translate(err)
	}
	return firehose.KMSKey{
		ARN:       md.Arn,
		State:     string(md.KeyState),
		Symmetric: md.KeySpec == "SYMMETRIC_DEFAULT" && md.KeyUsage == "ENCRYPT_DECRYPT",
	}, nil
}

func (b *Builtin) CreateGrant(ctx context.Context, c firehose.Caller, keyARN, name string) (string, error) {
	out, err := b.kms.CreateGrant(ctx, caller(c), kms.CreateGrantInput{
		KeyID:             keyARN,
		GranteePrincipal:  firehose.GranteePrincipal,
		RetiringPrincipal: firehose.GranteePrincipal,
		Operations:        grantOperations,
		Name:              name,
	})
	if err != nil {
		return "", translate(err)
	}
	return out.GrantID, nil
}

// RetireGrant treats a grant that is already gone as retired only when it
// is unknown to KMS because someone revoked it: that is the customer's
// doing and AWS reports it (RETIRE_KMS_GRANT_FAILED), so the error is
// passed on.
func (b *Builtin) RetireGrant(ctx context.Context, c firehose.Caller, keyARN, grantID string) error {
	return translate(b.kms.RetireGrant(ctx, caller(c), kms.RetireGrantInput{KeyID: keyARN, GrantID: grantID}))
}

func (b *Builtin) CheckGrant(ctx context.Context, c firehose.Caller, keyARN, grantID string) error {
	if _, _, err := b.kms.ListGrants(ctx, caller(c), kms.ListGrantsInput{KeyID: keyARN, GrantID: grantID}); err != nil {
		return translate(err)
	}
	md, err := b.kms.DescribeKey(ctx, caller(c), keyARN)
	if err != nil {
		return translate(err)
	}
	switch md.KeyState {
	case "Enabled":
		return nil
	case "Disabled":
		return &firehose.KMSError{Code: "DisabledException", Message: md.Arn + " is disabled."}
	case "PendingDeletion":
		return &firehose.KMSError{Code: "KMSInvalidStateException", Message: md.Arn + " is pending deletion."}
	default:
		return &firehose.KMSError{Code: "KMSInvalidStateException", Message: fmt.Sprintf("%s is %s.", md.Arn, md.KeyState)}
	}
}

func (b *Builtin) GenerateDataKey(ctx context.Context, c firehose.Caller, keyARN string, encCtx map[string]string) ([]byte, []byte, error) {
	out, err := b.kms.GenerateDataKey(ctx, caller(c), kms.GenerateDataKeyInput{KeyID: keyARN, KeySpec: "AES_256", EncryptionContext: encCtx})
	if err != nil {
		return nil, nil, translate(err)
	}
	return out.Plaintext, out.CiphertextBlob, nil
}

func (b *Builtin) Decrypt(ctx context.Context, c firehose.Caller, keyARN string, encrypted []byte, encCtx map[string]string) ([]byte, error) {
	out, err := b.kms.Decrypt(ctx, caller(c), kms.DecryptInput{CiphertextBlob: encrypted, KeyID: keyARN, EncryptionContext: encCtx})
	if err != nil {
		return nil, translate(err)
	}
	return out.Plaintext, nil
}

// ServiceKey finds or creates the region's AWS_OWNED_CMK key. Two nodes
// racing to create it both end up using the key the alias names.
func (b *Builtin) ServiceKey(ctx context.Context, region string) (string, firehose.Caller, error) {
	owner := firehose.Caller{AccountID: ServiceAccountID, Region: region}
	b.mu.Lock()
	arn, ok := b.serviceKeys[region]
	b.mu.Unlock()
	if ok {
		return arn, owner, nil
	}
	c := caller(owner)
	md, err := b.kms.DescribeKey(ctx, c, serviceKeyAlias)
	if kms.CodeOf(err) == "NotFoundException" {
		created, cerr := b.kms.CreateKey(ctx, c, kms.CreateKeyInput{Description: "Sluice Firehose AWS_OWNED_CMK"})
		if cerr != nil {
			return "", owner, fmt.Errorf("kmsbridge: create service key: %w", cerr)
		}
		if aerr := b.kms.CreateAlias(ctx, c, serviceKeyAlias, created.KeyID); aerr != nil && kms.CodeOf(aerr) != "AlreadyExistsException" {
			return "", owner, fmt.Errorf("kmsbridge: alias service key: %w", aerr)
		}
		md, err = b.kms.DescribeKey(ctx, c, serviceKeyAlias)
	}
	if err != nil {
		return "", owner, fmt.Errorf("kmsbridge: service key: %w", err)
	}
	b.mu.Lock()
	b.serviceKeys[region] = md.Arn
	b.mu.Unlock()
	return md.Arn, owner, nil
}

// translate turns built-in KMS errors into firehose.KMSError.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var kerr *kms.Error
	if errors.As(err, &kerr) {
		switch kerr.Code {
		case "KMSInternalException", "DependencyTimeoutException", "KeyUnavailableException":
			return fmt.Errorf("kmsbridge: %w", err) // KMS's own trouble: retried
		}
		return &firehose.KMSError{Code: kerr.Code, Message: kerr.Message}
	}
	return fmt.Errorf("kmsbridge: %w", err)
}
