package kms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sluicehq/sluice/internal/kv"
)

// Catalog layout. Every entry lives under "kms." so the KMS can share a
// bucket with other domains; the resource type comes before the account so
// that PurgeExpired can list every key of every account with one prefix.
//
//	kms.key.<account>.<region>.<key-id>                   keyRecord
//	kms.alias.<account>.<region>.<Token(alias name)>      aliasRecord
//	kms.grant.<account>.<region>.<key-id>.<slot>          grantRecord
//
// A grant's slot is "i_<grant-id>" for an unnamed grant and "n_<digest>"
// for a named one, where the digest covers the name and every parameter of
// the request. Two CreateGrant calls with the same name and parameters thus
// race for the same catalog entry, and Create's compare-and-set lets exactly
// one of them write it: the loser reads the winner's GrantId.
const (
	storeRoot   = "kms"
	kindKey     = "key"
	kindAlias   = "alias"
	kindGrant   = "grant"
	maxCASTries = 64
)

// recordVersion is written in every record so a later layout can migrate.
const recordVersion = 1

func keyPath(c Caller, keyID string) string {
	return kv.Key(storeRoot, kindKey, kv.Token(c.AccountID), kv.Token(c.Region), kv.Token(keyID))
}

func keysPrefix(c Caller) string {
	return kv.Key(storeRoot, kindKey, kv.Token(c.AccountID), kv.Token(c.Region)) + "."
}

func aliasPath(c Caller, aliasName string) string {
	return kv.Key(storeRoot, kindAlias, kv.Token(c.AccountID), kv.Token(c.Region), kv.Token(aliasName))
}

func aliasesPrefix(c Caller) string {
	return kv.Key(storeRoot, kindAlias, kv.Token(c.AccountID), kv.Token(c.Region)) + "."
}

func grantPath(c Caller, keyID, slot string) string {
	return kv.Key(storeRoot, kindGrant, kv.Token(c.AccountID), kv.Token(c.Region), kv.Token(keyID), slot)
}

func keyGrantsPrefix(c Caller, keyID string) string {
	return kv.Key(storeRoot, kindGrant, kv.Token(c.AccountID), kv.Token(c.Region), kv.Token(keyID)) + "."
}

func regionGrantsPrefix(c Caller) string {
	return kv.Key(storeRoot, kindGrant, kv.Token(c.AccountID), kv.Token(c.Region)) + "."
}

// keyRecord is a key as stored. Material is the key material wrapped under
// the root key, never the material itself.
type keyRecord struct {
	Version             int       `json:"v"`
	AccountID           string    `json:"account"`
	Region              string    `json:"region"`
	KeyID               string    `json:"keyId"`
	Description         string    `json:"description"`
	KeyUsage            string    `json:"keyUsage"`
	KeySpec             string    `json:"keySpec"`
	Origin              string    `json:"origin"`
	State               KeyState  `json:"state"`
	CreationDate        time.Time `json:"created"`
	DeletionDate        time.Time `json:"deletionDate,omitzero"`
	PendingWindowInDays int       `json:"pendingWindowInDays,omitempty"`
	Material            []byte    `json:"wrappedMaterial,omitempty"`
	MaterialID          string    `json:"materialId,omitempty"`
	Policy              string    `json:"policy"`
	Tags                []Tag     `json:"tags,omitempty"`
}

func (r *keyRecord) caller() Caller { return Caller{AccountID: r.AccountID, Region: r.Region} }

// expired reports whether the key's deletion date has passed: such a key is
// deleted as far as every operation is concerned.
func (r *keyRecord) expired(now time.Time) bool {
	return r.State == KeyStatePendingDeletion && !now.Before(r.DeletionDate)
}

type aliasRecord struct {
	Version         int       `json:"v"`
	AccountID       string    `json:"account"`
	Region          string    `json:"region"`
	AliasName       string    `json:"name"`
	TargetKeyID     string    `json:"target"`
	CreationDate    time.Time `json:"created"`
	LastUpdatedDate time.Time `json:"updated"`
}

type grantRecord struct {
	Version           int               `json:"v"`
	AccountID         string            `json:"account"`
	Region            string            `json:"region"`
	KeyID             string            `json:"keyId"`
	GrantID           string            `json:"grantId"`
	Name              string            `json:"name,omitempty"`
	CreationDate      time.Time         `json:"created"`
	GranteePrincipal  string            `json:"grantee"`
	RetiringPrincipal string            `json:"retiring,omitempty"`
	Operations        []string          `json:"operations"`
	Constraints       *GrantConstraints `json:"constraints,omitempty"`
}

func decodeRecord[T any](e kv.Entry) (*T, error) {
	var v T
	if err := json.Unmarshal(e.Value, &v); err != nil {
		return nil, fmt.Errorf("kms: decode %s: %w", e.Key, err)
	}
	return &v, nil
}

func encodeRecord(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("kms: encode record: %w", err)
	}
	return b, nil
}

// casLoop runs attempt until it stops reporting kv.ErrConflict, so that every
// read-modify-write re-reads what another node wrote in between. An attempt
// that lost a Create race and wants to re-read returns kv.ErrConflict too.
func casLoop(ctx context.Context, what string, attempt func() error) error {
	for try := 0; try < maxCASTries; try++ {
		err := attempt()
		if !errors.Is(err, kv.ErrConflict) {
			return err
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("kms: %s: %w", what, ctxErr)
		}
	}
	return fmt.Errorf("kms: %s: gave up after %d conflicting writes", what, maxCASTries)
}

// storeErr wraps a catalog failure with what was being done.
func storeErr(what string, err error) error {
	return fmt.Errorf("kms: %s: %w", what, err)
}
