package records

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"sync/atomic"
)

const (
	// DataKeySize is the size of a plaintext data key: AES-256.
	DataKeySize = 32
	// MaxKeyIDLen is the longest KMS key id (an ARN) a header may carry.
	MaxKeyIDLen = 2048
	// MaxEncryptedKeyLen is the largest encrypted data key a header may carry
	// (KMS's CiphertextBlob limit).
	MaxEncryptedKeyLen = 6144

	nonceSize = 12 // GCM standard nonce
	tagSize   = 16 // GCM tag
)

// ErrBadDataKey is returned by NewDataKey for an unusable key.
var ErrBadDataKey = errors.New("records: bad data key")

// DataKey is one envelope-encryption data key, ready to seal and open
// messages: the AES-GCM instance is built once here because building it per
// message (key expansion, GHASH tables) is measurable.
//
// Sealing picks a random 96-bit nonce per message, so one key must seal fewer
// than 2³² messages (NIST SP 800-38D). Callers rotate data keys by age and
// volume anyway (DESIGN decision 5); Seals tells them how far a key has gone.
//
// A DataKey is safe for concurrent use.
type DataKey struct {
	keyID     string
	encrypted []byte
	aead      cipher.AEAD
	seals     atomic.Uint64
}

// NewDataKey builds a DataKey from what KMS GenerateDataKey (or Decrypt)
// returned: the id of the KMS key that wraps it, the wrapped key, and the 32
// plaintext bytes. The plaintext is not retained beyond the expanded AES key;
// the caller should clear its copy.
func NewDataKey(keyID string, encrypted, plaintext []byte) (*DataKey, error) {
	switch {
	case len(plaintext) != DataKeySize:
		return nil, fmt.Errorf("%w: plaintext is %d bytes, want %d", ErrBadDataKey, len(plaintext), DataKeySize)
	case keyID == "" || len(keyID) > MaxKeyIDLen:
		return nil, fmt.Errorf("%w: key id length %d not in 1..%d", ErrBadDataKey, len(keyID), MaxKeyIDLen)
	case len(encrypted) == 0 || len(encrypted) > MaxEncryptedKeyLen:
		return nil, fmt.Errorf("%w: encrypted key length %d not in 1..%d", ErrBadDataKey, len(encrypted), MaxEncryptedKeyLen)
	}
	block, err := aes.NewCipher(plaintext)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadDataKey, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadDataKey, err)
	}
	return &DataKey{keyID: keyID, encrypted: append([]byte(nil), encrypted...), aead: aead}, nil
}

// KeyID returns the id of the KMS key that wraps this data key.
func (k *DataKey) KeyID() string { return k.keyID }

// EncryptedKey returns the wrapped data key. The caller must not modify it.
func (k *DataKey) EncryptedKey() []byte { return k.encrypted }

// Seals returns how many messages this key has sealed.
func (k *DataKey) Seals() uint64 { return k.seals.Load() }
