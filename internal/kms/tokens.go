package kms

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
)

// Grant tokens are self-contained: they name the grant and are
// authenticated with a key derived from the root key, so no token is ever
// stored and every CreateGrant call can mint a new one (as AWS does) that
// any node can check.
//
//	0x01 | uvarint-prefixed account, region, key id, grant id | 16 random bytes | HMAC-SHA256
//
// base64url without padding on the wire.
const (
	tokenVersion1 = 0x01
	tokenNonceLen = 16
)

type grantToken struct {
	caller  Caller
	keyID   string
	grantID string
}

func (s *Service) newGrantToken(c Caller, keyID, grantID string) (string, error) {
	b := []byte{tokenVersion1}
	for _, f := range []string{c.AccountID, c.Region, keyID, grantID} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	nonce := make([]byte, tokenNonceLen)
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("kms: grant token nonce: %w", err)
	}
	b = append(b, nonce...)
	m := hmac.New(sha256.New, s.tokenKey)
	m.Write(b)
	return base64.RawURLEncoding.EncodeToString(m.Sum(b)), nil
}

func (s *Service) parseGrantToken(tok string) (grantToken, error) {
	bad := errorf(CodeInvalidGrantToken, "The grant token is not valid.")
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) < 1+tokenNonceLen+sha256.Size || raw[0] != tokenVersion1 {
		return grantToken{}, bad
	}
	body, mac := raw[:len(raw)-sha256.Size], raw[len(raw)-sha256.Size:]
	m := hmac.New(sha256.New, s.tokenKey)
	m.Write(body)
	if !hmac.Equal(mac, m.Sum(nil)) {
		return grantToken{}, bad
	}
	rest := body[1 : len(body)-tokenNonceLen]
	var fields [4]string
	for i := range fields {
		n, k := binary.Uvarint(rest)
		if k <= 0 || uint64(len(rest)-k) < n {
			return grantToken{}, bad
		}
		fields[i] = string(rest[k : k+int(n)])
		rest = rest[k+int(n):]
	}
	if len(rest) != 0 {
		return grantToken{}, bad
	}
	return grantToken{caller: Caller{AccountID: fields[0], Region: fields[1]}, keyID: fields[2], grantID: fields[3]}, nil
}
