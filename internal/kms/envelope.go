package kms

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"slices"
)

// Ciphertext blob, version 1:
//
//	offset  size  content
//	0       1     version (0x01)
//	1       16    key id (the UUID's 16 bytes)
//	17      12    random nonce
//	29      n+16  AES-256-GCM ciphertext of the n plaintext bytes, then the tag
//
// The additional authenticated data is a domain-separation label, the 17
// header bytes and the canonical encryption context, so neither the key id
// nor the context can be changed without the blob failing to open.
const (
	blobVersion1  = 0x01
	blobHeaderLen = 1 + 16
	blobNonceLen  = 12
	blobTagLen    = 16
	blobOverhead  = blobHeaderLen + blobNonceLen + blobTagLen

	// MaxPlaintextSize and MaxCiphertextSize are the KMS limits.
	MaxPlaintextSize  = 4096
	MaxCiphertextSize = 6144
)

// canonicalContext serializes an encryption context independently of map
// order: pairs sorted by key, every string prefixed with its length, so
// that no two different contexts serialize alike ({"ab":"c"} vs {"a":"bc"}).
func canonicalContext(ec map[string]string) []byte {
	if len(ec) == 0 {
		return nil
	}
	keys := make([]string, 0, len(ec))
	size := 0
	for k, v := range ec {
		keys = append(keys, k)
		size += len(k) + len(v) + 2*binary.MaxVarintLen64
	}
	slices.Sort(keys)
	out := make([]byte, 0, size)
	for _, k := range keys {
		out = binary.AppendUvarint(out, uint64(len(k)))
		out = append(out, k...)
		out = binary.AppendUvarint(out, uint64(len(ec[k])))
		out = append(out, ec[k]...)
	}
	return out
}

const blobLabel = "sluice-kms-ciphertext-v1\x00"

func blobAAD(header []byte, ec map[string]string) []byte {
	ctx := canonicalContext(ec)
	aad := make([]byte, 0, len(blobLabel)+len(header)+len(ctx))
	aad = append(aad, blobLabel...)
	aad = append(aad, header...)
	return append(aad, ctx...)
}

// sealBlob encrypts plaintext under a key's material into a version-1 blob.
func sealBlob(aead cipher.AEAD, keyID string, plaintext []byte, ec map[string]string) ([]byte, error) {
	id, ok := parseUUID(keyID)
	if !ok {
		return nil, fmt.Errorf("kms: key id %q cannot go in a ciphertext blob", keyID)
	}
	out := make([]byte, blobHeaderLen+blobNonceLen, blobOverhead+len(plaintext))
	out[0] = blobVersion1
	copy(out[1:blobHeaderLen], id[:])
	nonce := out[blobHeaderLen : blobHeaderLen+blobNonceLen]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("kms: ciphertext nonce: %w", err)
	}
	return aead.Seal(out, nonce, plaintext, blobAAD(out[:blobHeaderLen], ec)), nil
}

// blobKeyID returns the id of the key a blob was sealed under, or false if
// the blob is not a well-formed Sluice ciphertext.
func blobKeyID(blob []byte) (string, bool) {
	if len(blob) < blobOverhead || len(blob) > MaxCiphertextSize || blob[0] != blobVersion1 {
		return "", false
	}
	var id [16]byte
	copy(id[:], blob[1:blobHeaderLen])
	return formatUUID(id), true
}

// openBlob decrypts a blob; any failure (damage, wrong key, wrong context)
// is the same message-less InvalidCiphertextException.
func openBlob(aead cipher.AEAD, blob []byte, ec map[string]string) ([]byte, error) {
	if _, ok := blobKeyID(blob); !ok {
		return nil, invalidCiphertext()
	}
	nonce := blob[blobHeaderLen : blobHeaderLen+blobNonceLen]
	pt, err := aead.Open(nil, nonce, blob[blobHeaderLen+blobNonceLen:], blobAAD(blob[:blobHeaderLen], ec))
	if err != nil {
		return nil, invalidCiphertext()
	}
	return pt, nil
}
