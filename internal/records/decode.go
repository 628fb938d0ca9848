package records

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"slices"
)

var (
	// ErrCorrupt is wrapped by every error about a malformed message.
	ErrCorrupt = errors.New("records: corrupt message")
	// ErrVersion is returned for a message of a format version this build
	// does not know.
	ErrVersion = errors.New("records: unsupported message version")
	// ErrSealed is returned by Records for a sealed message: use Open.
	ErrSealed = errors.New("records: message is sealed")
	// ErrNotSealed is returned by Open for a plain message: use Records.
	ErrNotSealed = errors.New("records: message is not sealed")
	// ErrKeyMismatch is returned by Open when the data key is not the one
	// the message names.
	ErrKeyMismatch = errors.New("records: data key does not match the message")
	// ErrAuth is returned by Open when authentication fails: the message was
	// altered, or the aad is not the one it was sealed with.
	ErrAuth = errors.New("records: message authentication failed")
)

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

// Message is a parsed message header. Its slices alias the message bytes,
// which must stay unchanged while the Message is in use.
type Message struct {
	header  []byte // everything before the record section
	body    []byte // record section: plain records, or ciphertext and tag
	groups  []byte // the encoded group table
	count   int
	ngroups int
	sealed  bool
	keyID   []byte
	encKey  []byte
	nonce   []byte
}

// Parse validates a message's header and returns it. It does not look at
// the record section; Records and Open validate that.
func Parse(msg []byte) (Message, error) {
	var m Message
	if len(msg) < prefixLen || msg[0] != magic0 || msg[1] != magic1 {
		return m, corrupt("bad magic")
	}
	if msg[2] != version1 {
		return m, fmt.Errorf("%w %d", ErrVersion, msg[2])
	}
	flags := msg[3]
	if flags&^knownFlags != 0 {
		return m, corrupt("unknown flags %#x", flags)
	}
	m.sealed = flags&flagSealed != 0
	p := prefixLen

	count, ok := readUvarint(msg, &p)
	// Each record takes at least one byte of the record section, which
	// bounds count by the message length (and keeps it far from overflow).
	if !ok || count > uint64(len(msg)) {
		return m, corrupt("bad record count")
	}
	ngroups, ok := readUvarint(msg, &p)
	// Each group entry takes at least two bytes.
	if !ok || ngroups > uint64(len(msg)-p)/2 {
		return m, corrupt("bad group count")
	}
	groupsAt := p
	var sum uint64
	for range ngroups {
		if _, n := binary.Varint(msg[p:]); n <= 0 {
			return m, corrupt("bad group arrival time")
		} else {
			p += n
		}
		c, ok := readUvarint(msg, &p)
		if !ok || c > count-sum {
			return m, corrupt("bad group record count")
		}
		sum += c
	}
	if sum != count {
		return m, corrupt("groups hold %d records, header says %d", sum, count)
	}
	m.groups = msg[groupsAt:p]
	m.count, m.ngroups = int(count), int(ngroups)

	if m.sealed {
		if m.keyID, ok = readLenPrefixed(msg, &p, MaxKeyIDLen); !ok {
			return m, corrupt("bad key id")
		}
		if m.encKey, ok = readLenPrefixed(msg, &p, MaxEncryptedKeyLen); !ok {
			return m, corrupt("bad encrypted data key")
		}
		if len(msg)-p < nonceSize+tagSize {
			return m, corrupt("truncated sealed message")
		}
		m.nonce = msg[p : p+nonceSize]
		p += nonceSize
	}
	m.header, m.body = msg[:p:p], msg[p:]
	return m, nil
}

func readUvarint(b []byte, p *int) (uint64, bool) {
	v, n := binary.Uvarint(b[*p:])
	if n <= 0 {
		return 0, false
	}
	*p += n
	return v, true
}

// readLenPrefixed reads a uvarint length in 1..limit and that many bytes.
func readLenPrefixed(b []byte, p *int, limit int) ([]byte, bool) {
	n, ok := readUvarint(b, p)
	if !ok || n == 0 || n > uint64(limit) || n > uint64(len(b)-*p) {
		return nil, false
	}
	s := b[*p : *p+int(n) : *p+int(n)]
	*p += int(n)
	return s, true
}

// Count returns the number of records in the message.
func (m *Message) Count() int { return m.count }

// Sealed reports whether the record section is encrypted.
func (m *Message) Sealed() bool { return m.sealed }

// KeyID returns the KMS key id of a sealed message ("" when plain).
func (m *Message) KeyID() string { return string(m.keyID) }

// EncryptedDataKey returns the wrapped data key of a sealed message (nil when
// plain). It aliases the message; a cache keyed by string(EncryptedDataKey())
// can be probed without allocating.
func (m *Message) EncryptedDataKey() []byte { return m.encKey }

// Groups yields each group's arrival time (epoch ms) and record count, in
// order. It works on sealed messages too: the group table is in the clear
// (and authenticated).
func (m *Message) Groups() iter.Seq2[int64, int] {
	return func(yield func(int64, int) bool) {
		g := m.groups
		var arrival int64
		for range m.ngroups {
			d, n := binary.Varint(g) // validated by Parse
			g = g[n:]
			c, k := binary.Uvarint(g)
			g = g[k:]
			arrival += d
			if !yield(arrival, int(c)) {
				return
			}
		}
	}
}

// Records returns a Reader over a plain message's records, after checking
// that the record section holds exactly Count well-formed records.
func (m *Message) Records() (Reader, error) {
	if m.sealed {
		return Reader{}, ErrSealed
	}
	return m.reader(m.body)
}

// Open decrypts a sealed message with key, which must be the data key the
// message names (EncryptedDataKey), and aad, which must equal the one it was
// sealed with. The plaintext is appended to dst (grown as needed); Open
// returns a Reader over it and the grown buffer, which the caller can reuse
// once done with the records.
func (m *Message) Open(dst []byte, key *DataKey, aad []byte) (Reader, []byte, error) {
	if !m.sealed {
		return Reader{}, dst, ErrNotSealed
	}
	if key == nil || key.keyID != string(m.keyID) || !bytes.Equal(key.encrypted, m.encKey) {
		return Reader{}, dst, ErrKeyMismatch
	}
	start := len(dst)
	ptLen := len(m.body) - tagSize
	// The plaintext goes at dst[start:], the additional data just past it in
	// the spare capacity, so opening allocates nothing once dst is large
	// enough.
	dst = slices.Grow(dst, ptLen+uvarintLen(uint64(len(aad)))+len(aad)+len(m.header))
	ad := additionalData(dst[start+ptLen:start+ptLen], aad, m.header)
	plain, err := key.aead.Open(dst[start:start], m.nonce, m.body, ad)
	if err != nil {
		return Reader{}, dst, ErrAuth
	}
	dst = dst[:start+len(plain)]
	r, err := m.reader(dst[start:])
	return r, dst, err
}

// reader validates a plain record section and returns a Reader over it.
func (m *Message) reader(body []byte) (Reader, error) {
	p := 0
	for i := range m.count {
		n, ok := readUvarint(body, &p)
		if !ok || n > uint64(len(body)-p) {
			return Reader{}, corrupt("record %d truncated", i)
		}
		p += int(n)
	}
	if p != len(body) {
		return Reader{}, corrupt("%d bytes after the last record", len(body)-p)
	}
	return Reader{body: body, groups: m.groups, index: -1, count: m.count}, nil
}

// Reader iterates over the records of a message:
//
//	r, err := m.Records()
//	for r.Next() {
//		use(r.Index(), r.ArrivalMS(), r.Data())
//	}
//
// The record section was validated when the Reader was made, so iteration
// cannot fail.
type Reader struct {
	body    []byte // records not yet returned
	groups  []byte // group table entries not yet entered
	left    int    // records left in the current group
	arrival int64  // current group's arrival time
	index   int
	count   int
	data    []byte
}

// Next advances to the next record, reporting false after the last one.
func (r *Reader) Next() bool {
	for r.left == 0 {
		if len(r.groups) == 0 {
			r.data = nil
			return false
		}
		d, n := binary.Varint(r.groups)
		c, k := binary.Uvarint(r.groups[n:])
		r.groups = r.groups[n+k:]
		r.arrival += d
		r.left = int(c)
	}
	n, k := binary.Uvarint(r.body)
	end := k + int(n)
	r.data = r.body[k:end:end]
	r.body = r.body[end:]
	r.left--
	r.index++
	return true
}

// Data returns the current record. It aliases the message (or Open's
// buffer); its capacity ends at its length, so appending to it copies.
func (r *Reader) Data() []byte { return r.data }

// Index returns the position of the current record in the message, from 0;
// it is the index a record id is derived from.
func (r *Reader) Index() int { return r.index }

// ArrivalMS returns the arrival time (epoch ms) of the current record's group.
func (r *Reader) ArrivalMS() int64 { return r.arrival }

// Len returns the number of records in the message.
func (r *Reader) Len() int { return r.count }
