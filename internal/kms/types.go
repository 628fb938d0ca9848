package kms

import "time"

// Caller is the account and region a request is made in. Every resource
// belongs to one (account, region) pair and is invisible from any other.
type Caller struct {
	AccountID string
	Region    string
}

func (c Caller) validate() error {
	if c.AccountID == "" || c.Region == "" {
		return errorf(CodeInternal, "caller has no account or region")
	}
	return nil
}

// KeyState values (the KMS KeyState enum). Sluice keys only ever reach
// Enabled, Disabled and PendingDeletion; the others exist so that the
// operation-by-state table is complete.
type KeyState string

const (
	KeyStateCreating               KeyState = "Creating"
	KeyStateEnabled                KeyState = "Enabled"
	KeyStateDisabled               KeyState = "Disabled"
	KeyStatePendingDeletion        KeyState = "PendingDeletion"
	KeyStatePendingImport          KeyState = "PendingImport"
	KeyStatePendingReplicaDeletion KeyState = "PendingReplicaDeletion"
	KeyStateUnavailable            KeyState = "Unavailable"
	KeyStateUpdating               KeyState = "Updating"
)

// Key specs, usages, origins and algorithms used by the service.
const (
	KeySpecSymmetricDefault = "SYMMETRIC_DEFAULT"

	KeyUsageEncryptDecrypt    = "ENCRYPT_DECRYPT"
	KeyUsageSignVerify        = "SIGN_VERIFY"
	KeyUsageGenerateVerifyMAC = "GENERATE_VERIFY_MAC"
	KeyUsageKeyAgreement      = "KEY_AGREEMENT"

	OriginAWSKMS     = "AWS_KMS"
	KeyManagerCustom = "CUSTOMER"

	AlgorithmSymmetricDefault = "SYMMETRIC_DEFAULT"

	DataKeySpecAES256 = "AES_256"
	DataKeySpecAES128 = "AES_128"

	// DefaultPolicyName is the only key policy name KMS supports.
	DefaultPolicyName = "default"
)

// Tag is one key tag.
type Tag struct {
	TagKey   string `json:"k"`
	TagValue string `json:"v"`
}

// KeyMetadata is what CreateKey and DescribeKey return.
type KeyMetadata struct {
	AWSAccountID           string
	KeyID                  string
	Arn                    string
	CreationDate           time.Time
	Enabled                bool
	Description            string
	KeyUsage               string
	KeyState               KeyState
	DeletionDate           time.Time // zero unless PendingDeletion
	Origin                 string
	KeyManager             string
	CustomerMasterKeySpec  string
	KeySpec                string
	EncryptionAlgorithms   []string
	SigningAlgorithms      []string
	MacAlgorithms          []string
	KeyAgreementAlgorithms []string
	MultiRegion            bool
	CurrentKeyMaterialID   string // empty for keys without key material
}

// KeyListEntry is one entry of ListKeys.
type KeyListEntry struct {
	KeyID  string
	KeyArn string
}

// AliasListEntry is one entry of ListAliases.
type AliasListEntry struct {
	AliasName       string
	AliasArn        string
	TargetKeyID     string
	CreationDate    time.Time
	LastUpdatedDate time.Time
}

// GrantConstraints restricts a grant to requests carrying a given
// encryption context. They are stored and listed; grants are not enforced.
type GrantConstraints struct {
	EncryptionContextSubset map[string]string `json:"subset,omitempty"`
	EncryptionContextEquals map[string]string `json:"equals,omitempty"`
}

// GrantListEntry is one entry of ListGrants and ListRetirableGrants.
type GrantListEntry struct {
	KeyID             string // key ARN
	GrantID           string
	Name              string
	CreationDate      time.Time
	GranteePrincipal  string
	RetiringPrincipal string
	IssuingAccount    string
	Operations        []string
	Constraints       *GrantConstraints
}

// Page is the pagination part of a List request: Limit 0 means the
// operation's default.
type Page struct {
	Limit  int
	Marker string
}

// PageResult is the pagination part of a List response.
type PageResult struct {
	Truncated  bool
	NextMarker string // set only when Truncated
}
