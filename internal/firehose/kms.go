package firehose

import (
	"context"
	"errors"

	fm "github.com/sluicehq/sluice/internal/firehosemodel"
)

// KMS is what server-side encryption needs from a key management service:
// the built-in KMS in-process, or an external KMS-compatible endpoint.
// Implementations live in internal/kmsbridge.
//
// Errors that KMS itself returned (key not found, disabled, ...) must be
// *KMSError values; anything else is treated as a transient failure of
// KMS and retried.
type KMS interface {
	// DescribeKey resolves any key identifier (id, ARN, alias) in c's
	// account and region.
	DescribeKey(ctx context.Context, c Caller, keyID string) (KMSKey, error)
	// CreateGrant gives Firehose use of the key. It is idempotent by name:
	// the same name returns the same grant.
	CreateGrant(ctx context.Context, c Caller, keyARN, name string) (grantID string, err error)
	// RetireGrant ends a grant made by CreateGrant.
	RetireGrant(ctx context.Context, c Caller, keyARN, grantID string) error
	// CheckGrant reports whether the grant still exists and the key can
	// be used to encrypt (enabled).
	CheckGrant(ctx context.Context, c Caller, keyARN, grantID string) error
	// GenerateDataKey returns a new 256-bit data key in plaintext and
	// encrypted under keyARN with the encryption context.
	GenerateDataKey(ctx context.Context, c Caller, keyARN string, encryptionContext map[string]string) (plaintext, encrypted []byte, err error)
	// Decrypt recovers a data key made by GenerateDataKey.
	Decrypt(ctx context.Context, c Caller, keyARN string, encrypted []byte, encryptionContext map[string]string) ([]byte, error)
	// ServiceKey returns the key that stands for AWS_OWNED_CMK in a region,
	// and the account it belongs to.
	ServiceKey(ctx context.Context, region string) (keyARN string, owner Caller, err error)
}

// KMSKey is what DescribeKey tells about a key.
type KMSKey struct {
	ARN   string
	State string // Enabled, Disabled, PendingDeletion, ...
	// Symmetric is true for SYMMETRIC_DEFAULT keys with ENCRYPT_DECRYPT
	// usage, the only keys Firehose can use.
	Symmetric bool
}

// KMSError is a failure KMS reported, by its exception name.
type KMSError struct {
	Code    string // NotFoundException, DisabledException, ...
	Message string
}

func (e *KMSError) Error() string { return e.Code + ": " + e.Message }

// kmsFailureTypes maps KMS exception names to the FailureDescription types
// of spec §1.2.
var kmsFailureTypes = map[string]fm.DeliveryStreamFailureType{
	"NotFoundException":          fm.DeliveryStreamFailureTypeKmsKeyNotFound,
	"DisabledException":          fm.DeliveryStreamFailureTypeDisabledKmsKey,
	"KMSInvalidStateException":   fm.DeliveryStreamFailureTypeInvalidKmsKey,
	"InvalidKeyUsageException":   fm.DeliveryStreamFailureTypeInvalidKmsKey,
	"IncorrectKeyException":      fm.DeliveryStreamFailureTypeInvalidKmsKey,
	"AccessDeniedException":      fm.DeliveryStreamFailureTypeKmsAccessDenied,
	"InvalidGrantIdException":    fm.DeliveryStreamFailureTypeKmsAccessDenied,
	"InvalidGrantTokenException": fm.DeliveryStreamFailureTypeKmsAccessDenied,
	"OptInRequired":              fm.DeliveryStreamFailureTypeKmsOptInRequired,
}

// failureFor describes a failed KMS step; fallback is the type used for
// failures that are not about the key itself (for example a grant quota).
func failureFor(err error, fallback fm.DeliveryStreamFailureType) *fm.FailureDescription {
	typ, details := fallback, err.Error()
	var kerr *KMSError
	if errors.As(err, &kerr) {
		if t, ok := kmsFailureTypes[kerr.Code]; ok {
			typ = t
		}
		details = kerr.Code + ": " + kerr.Message
	}
	if len(details) > 1024 {
		details = details[:1024]
	}
	return &fm.FailureDescription{Type: &typ, Details: &details}
}

// isKMSCustomerError reports whether a KMS failure is about the key or
// grant (the customer's to fix) rather than KMS being unavailable.
func isKMSCustomerError(err error) bool {
	var kerr *KMSError
	return errors.As(err, &kerr)
}

// KMSCode returns the KMS exception name of err, or "".
func KMSCode(err error) string {
	var kerr *KMSError
	if errors.As(err, &kerr) {
		return kerr.Code
	}
	return ""
}
