package putcodec

// Record is one decoded record of a request.
type Record struct {
	// Data is the decoded blob. It is a sub-slice of the request's shared
	// buffer (its capacity ends at its length, so appending to it copies). It
	// is nil exactly when encoding/json would leave a []byte nil: the member
	// was absent or null. An empty string gives a non-nil empty slice.
	Data []byte
	// DataPresent reports a non-null "Data" member, i.e. Data != nil.
	DataPresent bool
}

// BatchRequest is a decoded PutRecordBatch body. The zero value is ready to
// use; reuse one (for example from a sync.Pool) so the record slice and the
// data buffer are reused. Everything in it, StreamName included, is valid
// until the next decode into the same BatchRequest.
type BatchRequest struct {
	// StreamName is nil when DeliveryStreamName was absent or null.
	StreamName *string
	// Records holds the records in request order.
	Records []Record
	// RecordsPresent reports a non-null "Records" member: it separates a
	// missing list (a "must not be null" validation error) from an empty one
	// (a "length must be ≥ 1" error). encoding/json shows this as nil vs
	// non-nil.
	RecordsPresent bool

	name string  // backs StreamName; kept across calls to skip the allocation
	data dataBuf // backs every record's Data
}

// PutRequest is a decoded PutRecord body, reusable like BatchRequest.
type PutRequest struct {
	// StreamName is nil when DeliveryStreamName was absent or null.
	StreamName *string
	// Record is nil when "Record" was absent or null.
	Record *Record

	name string
	rec  Record
	data dataBuf
}

// DecodeBatch decodes a PutRecordBatch body into dst. It returns false when
// the body is not something the fast path is certain about; the caller must
// then decode the body with encoding/json (see the package documentation).
// After false, dst holds garbage until the next successful decode.
func DecodeBatch(body []byte, dst *BatchRequest) (ok bool) {
	dst.StreamName = nil
	dst.Records = dst.Records[:0]
	dst.RecordsPresent = false
	d := &dst.data
	d.reset(len(body))

	i := skipWS(body, 0)
	if i >= len(body) || body[i] != '{' {
		return false
	}
	i = skipWS(body, i+1)
	if i < len(body) && body[i] == '}' {
		return skipWS(body, i+1) == len(body)
	}
	var seenName, seenRecords bool
	for more := true; more; {
		key, j, ok := readKey(body, i)
		if !ok {
			return false
		}
		switch string(key) {
		case "DeliveryStreamName":
			if seenName {
				return false // duplicate: leave last-wins semantics to encoding/json
			}
			seenName = true
			if j, ok = readName(body, j, &dst.name, &dst.StreamName); !ok {
				return false
			}
		case "Records":
			if seenRecords {
				return false
			}
			seenRecords = true
			if j, ok = d.readRecords(body, j, dst); !ok {
				return false
			}
		default:
			if foldEqual(key, "DeliveryStreamName") || foldEqual(key, "Records") {
				return false
			}
			if j, ok = skipValue(body, j, 0); !ok {
				return false
			}
		}
		if i, more, ok = nextMember(body, j); !ok {
			return false
		}
	}
	return skipWS(body, i) == len(body)
}

// DecodePut decodes a PutRecord body into dst, with the same contract as
// DecodeBatch.
func DecodePut(body []byte, dst *PutRequest) (ok bool) {
	dst.StreamName = nil
	dst.Record = nil
	dst.rec = Record{}
	d := &dst.data
	d.reset(len(body))

	i := skipWS(body, 0)
	if i >= len(body) || body[i] != '{' {
		return false
	}
	i = skipWS(body, i+1)
	if i < len(body) && body[i] == '}' {
		return skipWS(body, i+1) == len(body)
	}
	var seenName, seenRecord bool
	for more := true; more; {
		key, j, ok := readKey(body, i)
		if !ok {
			return false
		}
		switch string(key) {
		case "DeliveryStreamName":
			if seenName {
				return false
			}
			seenName = true
			if j, ok = readName(body, j, &dst.name, &dst.StreamName); !ok {
				return false
			}
		case "Record":
			if seenRecord {
				return false
			}
			seenRecord = true
			switch {
			case isNull(body, j):
				j += 4
			case j < len(body) && body[j] == '{':
				if j, ok = d.readRecord(body, j+1, &dst.rec); !ok {
					return false
				}
				dst.Record = &dst.rec
			default:
				return false
			}
		default:
			if foldEqual(key, "DeliveryStreamName") || foldEqual(key, "Record") {
				return false
			}
			if j, ok = skipValue(body, j, 0); !ok {
				return false
			}
		}
		if i, more, ok = nextMember(body, j); !ok {
			return false
		}
	}
	return skipWS(body, i) == len(body)
}

// readName decodes the DeliveryStreamName value at b[i]: a string without
// escapes, or null. The string is kept in *store, reused when the name is the
// same as in the previous request so the common case does not allocate.
func readName(b []byte, i int, store *string, dst **string) (int, bool) {
	if isNull(b, i) {
		return i + 4, true
	}
	if i >= len(b) || b[i] != '"' {
		return 0, false
	}
	s, next, ok := readPlainString(b, i)
	if !ok {
		return 0, false
	}
	if *store != string(s) { // the conversion in a comparison does not allocate
		*store = string(s)
	}
	*dst = store
	return next, true
}

// dataBuf is a request's shared data buffer and its write cursor.
type dataBuf struct {
	buf     []byte // every record's Data is a sub-slice of buf
	n       int    // bytes of buf in use
	scratch []byte // unquoted text of strings that need the slow path
}

// reset makes room for every blob of a body of n bytes: base64 text is at
// least 4/3 the size of what it decodes to, and all of it lies inside the
// body. The slack lets the fast decoder use 8-byte stores up to the end. A
// buffer that is large enough is reused: the caller is done with the previous
// request's records by contract.
func (d *dataBuf) reset(n int) {
	need := n/4*3 + 16
	if cap(d.buf) < need {
		d.buf = make([]byte, need)
	}
	d.buf = d.buf[:cap(d.buf)]
	d.n = 0
}

// readRecords decodes the Records value at b[i]: an array of record objects
// (or nulls, which encoding/json leaves as zero records), or null.
func (d *dataBuf) readRecords(b []byte, i int, dst *BatchRequest) (int, bool) {
	if isNull(b, i) {
		return i + 4, true
	}
	if i >= len(b) || b[i] != '[' {
		return 0, false
	}
	dst.RecordsPresent = true
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1, true
	}
	for {
		dst.Records = append(dst.Records, Record{})
		var ok bool
		switch {
		case i >= len(b):
			return 0, false
		case b[i] == '{':
			if i, ok = d.readRecord(b, i+1, &dst.Records[len(dst.Records)-1]); !ok {
				return 0, false
			}
		case isNull(b, i):
			i += 4
		default:
			return 0, false
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return 0, false
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
		case ']':
			return i + 1, true
		default:
			return 0, false
		}
	}
}

// readRecord decodes a record object whose opening brace is just before b[i].
func (d *dataBuf) readRecord(b []byte, i int, rec *Record) (int, bool) {
	i = skipWS(b, i)
	if i < len(b) && b[i] == '}' {
		return i + 1, true
	}
	seen := false
	for more := true; more; {
		key, j, ok := readKey(b, i)
		if !ok {
			return 0, false
		}
		switch {
		case string(key) == "Data":
			if seen {
				return 0, false
			}
			seen = true
			if isNull(b, j) {
				j += 4
				break
			}
			if j >= len(b) || b[j] != '"' {
				return 0, false
			}
			if rec.Data, j, ok = d.decodeString(b, j+1); !ok {
				return 0, false
			}
			rec.DataPresent = true
		case foldEqual(key, "Data"):
			return 0, false
		default:
			if j, ok = skipValue(b, j, 0); !ok {
				return 0, false
			}
		}
		if i, more, ok = nextMember(b, j); !ok {
			return 0, false
		}
	}
	return i, true
}

// decodeString decodes the base64 string starting at b[i] (after the opening
// quote) into the shared buffer and returns the blob.
func (d *dataBuf) decodeString(b []byte, i int) (data []byte, next int, ok bool) {
	out := d.buf[d.n:]
	n, next, ok := b64Fast(out, b, i)
	if !ok {
		n, next, d.scratch, ok = b64Slashes(out, b, i, d.scratch)
	}
	if !ok {
		n, next, d.scratch, ok = b64Slow(out, b, i, d.scratch)
		if !ok {
			return nil, 0, false
		}
	}
	start := d.n
	d.n += n
	return d.buf[start:d.n:d.n], next, true
}
