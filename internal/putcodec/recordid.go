package putcodec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"slices"
)

// RecordIDLen is the length of a record id: 16 bytes in unpadded standard
// base64.
//
// The real service returns 224-character ids (168 bytes). Clients treat them
// as opaque strings (the model only says "at least 1 character"), and a
// PutRecordBatch response carries 500 of them, so 224 characters would add
// about 110 KB to every response. A 16-byte id is enough: it is one AES
// block, a keyed permutation of (sequence, index, check), hence unique for as
// long as the (salt, sequence) pair is, and looks random to everyone else.
const RecordIDLen = 22

// idDomain separates the id key derivation from any other use of a salt.
const idDomain = "sluice/record-id/v1\x00"

// ErrBadRecordID is returned by IDKey.Parse for a string that is not an id
// minted by this key.
var ErrBadRecordID = errors.New("putcodec: not a record id of this stream")

// IDKey mints and parses the record ids of one delivery stream.
//
// An id is base64(AES-128_k(seq ‖ index ‖ check)) where seq is the storage
// sequence number of the message holding the record (8 bytes, big-endian),
// index its position in that message (4 bytes) and check 4 bytes derived from
// the salt. k and check come from SHA-256 of the salt. Ids are therefore
// stable (the same record always has the same id), unique while the salt is
// (the caller must pick a new salt whenever sequence numbers can restart,
// for example per stream incarnation), and opaque: without the salt they
// reveal nothing, not even ordering. Parse recovers (seq, index) for
// debugging and rejects foreign strings with probability 1-2⁻³².
//
// An IDKey is safe for concurrent use.
type IDKey struct {
	block cipher.Block
	check [4]byte
}

// NewIDKey derives an id key from salt, which should be unique per stream
// incarnation (for example random bytes stored with the stream's catalog
// entry, or the stream ARN plus its creation time).
func NewIDKey(salt []byte) *IDKey {
	h := sha256.New()
	h.Write([]byte(idDomain))
	h.Write(salt)
	sum := h.Sum(nil)
	block, err := aes.NewCipher(sum[:16])
	if err != nil {
		panic(err) // unreachable: a 16-byte key is always valid
	}
	k := &IDKey{block: block}
	copy(k.check[:], sum[16:20])
	return k
}

// Append appends the id of record index of the storage message seq to dst.
func (k *IDKey) Append(dst []byte, seq uint64, index uint32) []byte {
	n := len(dst)
	// The plaintext block is built and encrypted in dst's spare capacity just
	// past where the text goes, so minting an id allocates nothing (a local
	// array would escape through the cipher.Block interface).
	dst = slices.Grow(dst, RecordIDLen+aes.BlockSize)
	full := dst[:n+RecordIDLen+aes.BlockSize]
	blk := full[n+RecordIDLen:]
	binary.BigEndian.PutUint64(blk, seq)
	binary.BigEndian.PutUint32(blk[8:], index)
	copy(blk[12:], k.check[:])
	k.block.Encrypt(blk, blk)
	base64.RawStdEncoding.Encode(full[n:n+RecordIDLen], blk)
	return full[:n+RecordIDLen]
}

// String returns the id of record index of the storage message seq.
func (k *IDKey) String(seq uint64, index uint32) string {
	return string(k.Append(make([]byte, 0, RecordIDLen+aes.BlockSize), seq, index))
}

// Parse returns the storage sequence number and index an id was minted from.
func (k *IDKey) Parse(id string) (seq uint64, index uint32, err error) {
	if len(id) != RecordIDLen {
		return 0, 0, ErrBadRecordID
	}
	var blk [aes.BlockSize]byte
	if n, err := base64.RawStdEncoding.Strict().Decode(blk[:], []byte(id)); err != nil || n != len(blk) {
		return 0, 0, ErrBadRecordID
	}
	k.block.Decrypt(blk[:], blk[:])
	if subtle.ConstantTimeCompare(blk[12:], k.check[:]) != 1 {
		return 0, 0, ErrBadRecordID
	}
	return binary.BigEndian.Uint64(blk[:]), binary.BigEndian.Uint32(blk[8:]), nil
}
