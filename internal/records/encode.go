package records

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

const (
	magic0, magic1 = 'S', 'R'
	version1       = 1
	flagSealed     = 1 << 0
	knownFlags     = flagSealed
	prefixLen      = 4 // magic, version, flags
)

// Group is the records of one call (or of several calls that arrived in the
// same millisecond), in order. Records are numbered across the message: the
// first record of groups[k] has index len(groups[0].Records)+…+
// len(groups[k-1].Records). That index and the message's sequence number
// name a record (see Reader.Index and putcodec's record ids).
type Group struct {
	ArrivalMS int64 // arrival time, Unix epoch milliseconds
	Records   [][]byte
}

// Append appends a plain message holding groups to dst and returns the
// extended buffer. It grows dst at most once.
func Append(dst []byte, groups ...Group) []byte {
	dst = slices.Grow(dst, EncodedLen(nil, groups...))
	dst = appendHeader(dst, 0, groups)
	return appendBody(dst, groups)
}

// AppendSealed appends a sealed message holding groups to dst: the record
// section is encrypted under key, and the GCM additional data binds aad
// (the stream's identity, e.g. its ARN) and the whole header. Open needs the
// same aad. The plaintext is written into dst and encrypted in place, so no
// plaintext copy is left behind in any other buffer.
func AppendSealed(dst []byte, key *DataKey, aad []byte, groups ...Group) ([]byte, error) {
	if key == nil {
		return dst, errors.New("records: seal: nil data key")
	}
	start := len(dst)
	// Room for the message and, past it, the additional data we assemble in
	// the spare capacity (see additionalData), so the common case allocates
	// at most once and GCM seals in place.
	msgLen := EncodedLen(key, groups...)
	dst = slices.Grow(dst, msgLen+uvarintLen(uint64(len(aad)))+len(aad)+msgLen-plainBodyLen(groups))

	dst = appendHeader(dst, flagSealed, groups)
	dst = binary.AppendUvarint(dst, uint64(len(key.keyID)))
	dst = append(dst, key.keyID...)
	dst = binary.AppendUvarint(dst, uint64(len(key.encrypted)))
	dst = append(dst, key.encrypted...)
	nonceAt := len(dst)
	dst = dst[:nonceAt+nonceSize]
	if _, err := rand.Read(dst[nonceAt:]); err != nil {
		return dst[:start], fmt.Errorf("records: seal: nonce: %w", err)
	}
	hdrEnd := len(dst)

	dst = appendBody(dst, groups)
	ptEnd := len(dst)
	if cap(dst)-ptEnd < tagSize {
		dst = slices.Grow(dst, tagSize) // unreachable with the Grow above; keeps Seal in place regardless
	}
	ad := additionalData(dst[:cap(dst)][ptEnd+tagSize:ptEnd+tagSize], aad, dst[start:hdrEnd])
	nonce := dst[nonceAt:hdrEnd]
	sealed := key.aead.Seal(dst[hdrEnd:hdrEnd], nonce, dst[hdrEnd:ptEnd], ad)
	key.seals.Add(1)
	return dst[:hdrEnd+len(sealed)], nil
}

// EncodedLen returns the exact length of the message Append (key == nil) or
// AppendSealed would produce for groups, so a caller can check a message
// size limit before encoding.
func EncodedLen(key *DataKey, groups ...Group) int {
	n := prefixLen + uvarintLen(uint64(countRecords(groups))) + uvarintLen(uint64(len(groups)))
	prev := int64(0)
	for _, g := range groups {
		n += varintLen(g.ArrivalMS-prev) + uvarintLen(uint64(len(g.Records)))
		prev = g.ArrivalMS
	}
	n += plainBodyLen(groups)
	if key != nil {
		n += uvarintLen(uint64(len(key.keyID))) + len(key.keyID) +
			uvarintLen(uint64(len(key.encrypted))) + len(key.encrypted) + nonceSize + tagSize
	}
	return n
}

// plainBodyLen is the length of the plain record section.
func plainBodyLen(groups []Group) int {
	n := 0
	for _, g := range groups {
		for _, r := range g.Records {
			n += uvarintLen(uint64(len(r))) + len(r)
		}
	}
	return n
}

func countRecords(groups []Group) int {
	n := 0
	for _, g := range groups {
		n += len(g.Records)
	}
	return n
}

// appendHeader appends everything up to the sealing fields.
func appendHeader(dst []byte, flags byte, groups []Group) []byte {
	dst = append(dst, magic0, magic1, version1, flags)
	dst = binary.AppendUvarint(dst, uint64(countRecords(groups)))
	dst = binary.AppendUvarint(dst, uint64(len(groups)))
	prev := int64(0)
	for _, g := range groups {
		dst = binary.AppendVarint(dst, g.ArrivalMS-prev)
		dst = binary.AppendUvarint(dst, uint64(len(g.Records)))
		prev = g.ArrivalMS
	}
	return dst
}

func appendBody(dst []byte, groups []Group) []byte {
	for _, g := range groups {
		for _, r := range g.Records {
			dst = binary.AppendUvarint(dst, uint64(len(r)))
			dst = append(dst, r...)
		}
	}
	return dst
}

// additionalData appends the GCM additional data, uvarint(len(aad)) ‖ aad ‖
// header, to buf. The length prefix keeps the split between the caller's aad
// and the header unambiguous. buf is normally the spare capacity past the
// ciphertext, so building it costs no allocation.
func additionalData(buf, aad, header []byte) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(aad)))
	buf = append(buf, aad...)
	return append(buf, header...)
}

// varintLen is the length of binary.AppendVarint's encoding of v (zig-zag,
// so small negative deltas stay short).
func varintLen(v int64) int { return uvarintLen(uint64(v<<1) ^ uint64(v>>63)) }

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}
