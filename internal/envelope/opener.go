package envelope

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/sluicehq/sluice/internal/firehose"
	"github.com/sluicehq/sluice/internal/records"
)

// ErrKeyUnavailable wraps a KMS refusal to decrypt a stored data key:
// delivery must wait (the key may be re-enabled) rather than drop records.
var ErrKeyUnavailable = errors.New("envelope: data key cannot be decrypted")

// Open decrypts a sealed message of a stream for delivery. The plaintext is
// appended to dst; the returned Reader iterates over it.
func (s *Sealer) Open(ctx context.Context, ds *firehose.DeliveryStream, msg *records.Message, dst []byte) (records.Reader, []byte, error) {
	dk, err := s.openingKey(ctx, ds, msg)
	if err != nil {
		return records.Reader{}, dst, err
	}
	r, out, err := msg.Open(dst, dk, []byte(ds.ARN))
	if err != nil {
		return records.Reader{}, out, fmt.Errorf("envelope: open message: %w", err)
	}
	return r, out, nil
}

func (s *Sealer) openingKey(ctx context.Context, ds *firehose.DeliveryStream, msg *records.Message) (*records.DataKey, error) {
	encrypted := msg.EncryptedDataKey()
	if dk := s.opened.get(encrypted); dk != nil {
		return dk, nil
	}
	keyARN := msg.KeyID()
	owner, ok := ownerOf(keyARN)
	if !ok {
		return nil, fmt.Errorf("envelope: stored key id %q is not a KMS key ARN", keyARN)
	}
	plain, err := s.kms.Decrypt(ctx, owner, keyARN, encrypted, map[string]string{EncryptionContextKey: ds.ARN})
	if err != nil {
		var kerr *firehose.KMSError
		if errors.As(err, &kerr) {
			// Delivery waits for the key and counts the records once, if
			// it has to give them up at the retention limit.
			return nil, fmt.Errorf("%w: %w", ErrKeyUnavailable, err)
		}
		return nil, fmt.Errorf("envelope: decrypt data key: %w", err)
	}
	dk, err := records.NewDataKey(keyARN, encrypted, plain)
	clear(plain)
	if err != nil {
		return nil, fmt.Errorf("envelope: data key: %w", err)
	}
	s.opened.put(encrypted, dk)
	return dk, nil
}

// ownerOf reads the account and region out of a key ARN
// (arn:<partition>:kms:<region>:<account>:key/<id>).
func ownerOf(keyARN string) (firehose.Caller, bool) {
	parts := strings.SplitN(keyARN, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "kms" {
		return firehose.Caller{}, false
	}
	return firehose.Caller{Region: parts[3], AccountID: parts[4]}, true
}

// openedKeys caches decrypted data keys by the hash of their encrypted
// form, bounded in size.
type openedKeys struct {
	mu   sync.Mutex
	max  int
	keys map[[32]byte]*records.DataKey
}

func newOpenedKeys(max int) openedKeys {
	return openedKeys{max: max, keys: make(map[[32]byte]*records.DataKey)}
}

func (o *openedKeys) get(encrypted []byte) *records.DataKey {
	h := sha256.Sum256(encrypted)
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.keys[h]
}

func (o *openedKeys) put(encrypted []byte, dk *records.DataKey) {
	h := sha256.Sum256(encrypted)
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.keys) >= o.max {
		clear(o.keys)
	}
	o.keys[h] = dk
}
