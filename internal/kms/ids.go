package kms

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
)

// newKeyID returns a random, lowercase UUID v4, the form of real KMS key ids.
func newKeyID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("kms: generate key id: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b), nil
}

func formatUUID(b [16]byte) string {
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// parseUUID turns a lowercase UUID into its 16 bytes (used to pack key ids
// into ciphertext blobs).
func parseUUID(s string) ([16]byte, bool) {
	var b [16]byte
	if !isUUID(s) {
		return b, false
	}
	compact := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	if _, err := hex.Decode(b[:], []byte(compact)); err != nil {
		return b, false
	}
	return b, true
}

// isUUID reports whether s has the 8-4-4-4-12 hex layout of a key id.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isHex(s[i]) {
				return false
			}
		}
	}
	return true
}

// isMultiRegionID reports whether s looks like a multi-Region key id
// ("mrk-" + 32 hex). Sluice never creates such keys, but a well-formed one
// must be answered "does not exist", not "invalid".
func isMultiRegionID(s string) bool {
	if len(s) != 36 || !strings.HasPrefix(s, "mrk-") {
		return false
	}
	for i := 4; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// newGrantID returns 64 lowercase hex characters, the shape of real grant ids.
func newGrantID() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("kms: generate grant id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

func (s *Service) keyARN(c Caller, keyID string) string {
	return "arn:" + s.cfg.Partition + ":kms:" + c.Region + ":" + c.AccountID + ":key/" + keyID
}

func (s *Service) aliasARN(c Caller, aliasName string) string {
	return "arn:" + s.cfg.Partition + ":kms:" + c.Region + ":" + c.AccountID + ":" + aliasName
}

func issuingAccount(partition, account string) string {
	return "arn:" + partition + ":iam::" + account + ":root"
}

// keyRef is a parsed KeyId input: either a key id or an alias name, always
// in the caller's account and region once parsing succeeded.
type keyRef struct {
	raw       string
	keyID     string // set when the input named a key
	aliasName string // set when the input named an alias ("alias/...")
}

// parseKeyRef parses a KeyId input. Crypto operations and DescribeKey pass
// allowAlias=true (key id, key ARN, alias name, alias ARN); management
// operations pass false (key id or key ARN only). The errors are the
// NotFoundException texts real KMS sends (spec §7.1).
func (s *Service) parseKeyRef(c Caller, raw string, allowAlias bool) (keyRef, error) {
	ref := keyRef{raw: raw}
	switch {
	case strings.HasPrefix(raw, "arn:"):
		parts := strings.SplitN(raw, ":", 6)
		if len(parts) != 6 || parts[2] != "kms" || parts[1] != s.cfg.Partition {
			return ref, invalidKeyID(raw)
		}
		region, account, resource := parts[3], parts[4], parts[5]
		if region != c.Region {
			return ref, errorf(CodeNotFound, "Invalid arn %s", region)
		}
		switch {
		case strings.HasPrefix(resource, "key/"):
			id := strings.TrimPrefix(resource, "key/")
			if !isUUID(id) && !isMultiRegionID(id) {
				return ref, invalidKeyID(id)
			}
			if account != c.AccountID {
				// Another account's key: Sluice accounts are isolated, so
				// it is indistinguishable from a key that does not exist.
				return ref, keyNotFound(raw)
			}
			ref.keyID = id
		case strings.HasPrefix(resource, "alias/") && allowAlias:
			if account != c.AccountID {
				return ref, aliasNotFound(raw)
			}
			ref.aliasName = resource
		default:
			return ref, invalidKeyID(raw)
		}
	case strings.HasPrefix(raw, "alias/"):
		if !allowAlias {
			return ref, invalidKeyID(raw)
		}
		ref.aliasName = raw
	case isUUID(raw) || isMultiRegionID(raw):
		ref.keyID = raw
	default:
		return ref, invalidKeyID(raw)
	}
	return ref, nil
}
