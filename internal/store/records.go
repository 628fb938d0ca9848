package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

const (
	recordLogName    = "SLUICE_RECORDS"
	recordSubjectPfx = "rec."
)

// ErrStorageFull is returned by AppendRecords when the record log has
// reached its disk budget. Callers answer ServiceUnavailableException.
var ErrStorageFull = errors.New("store: record log is full")

func (s *Store) openRecordLog(ctx context.Context) (jetstream.Stream, error) {
	maxBytes := s.cfg.RecordMaxBytes
	if maxBytes <= 0 || s.server != nil {
		// No budget, or the embedded server's, kept by diskBudget.
		maxBytes = -1
	}
	cfg := jetstream.StreamConfig{
		Name:     recordLogName,
		Subjects: []string{recordSubjectPfx + ">"},
		// A work queue keeps each message until its one consumer (the
		// delivery runner of its delivery stream) acknowledges it.
		Retention: jetstream.WorkQueuePolicy,
		Storage:   jetstream.FileStorage,
		Replicas:  s.cfg.Replicas,
		MaxAge:    s.cfg.RecordMaxAge,
		MaxBytes:  maxBytes,
		// When the budget is full, refuse new records instead of dropping
		// stored ones that were already acknowledged to producers.
		Discard:     jetstream.DiscardNew,
		MaxMsgSize:  -1,
		Duplicates:  0,
		AllowDirect: true,
	}
	st, err := s.js.CreateOrUpdateStream(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: open record log: %w", err)
	}
	return st, nil
}

// RecordSubject is the subject of one delivery stream's records. The
// stream's unique id (not its name) keeps a re-created stream of the same
// name from seeing the records of the old one.
func RecordSubject(streamUID string) string { return recordSubjectPfx + streamUID }

// AppendRecords stores one encoded record group for a delivery stream and
// returns its sequence number once JetStream has it durably (synced to disk
// on the embedded server, replicated to a quorum on a cluster).
//
// The group is also kept in memory for the stream's delivery consumer
// (recent.go), so the caller gives group up: it must not change or reuse
// it afterwards, even after an error (a publish that timed out may still
// have been stored and handed to delivery).
func (s *Store) AppendRecords(ctx context.Context, streamUID string, group []byte) (uint64, error) {
	msg := &nats.Msg{Subject: RecordSubject(streamUID), Data: group}
	key := s.recent.put(streamUID, group)
	if key != "" {
		msg.Header = nats.Header{recentHeader: []string{key}}
	}
	if s.budget != nil {
		n := storedSize(msg.Subject, msg.Header, len(group))
		if !s.budget.reserve(ctx, n) {
			s.recent.forget(key)
			return 0, ErrStorageFull
		}
		defer s.budget.done(n)
	}
	ack, err := s.js.PublishMsg(ctx, msg)
	if err != nil {
		s.recent.forget(key)
		if isStorageFull(err) {
			return 0, ErrStorageFull
		}
		return 0, fmt.Errorf("store: append records: %w", err)
	}
	return ack.Sequence, nil
}

// PurgeRecords drops every stored record of a delivery stream (used when the
// stream is deleted).
func (s *Store) PurgeRecords(ctx context.Context, streamUID string) error {
	s.recent.dropStream(streamUID)
	if err := s.records.Purge(ctx, jetstream.WithPurgeSubject(RecordSubject(streamUID))); err != nil {
		return fmt.Errorf("store: purge records of %s: %w", streamUID, err)
	}
	return nil
}

// RecordGroup is one stored message of the record log.
type RecordGroup struct {
	Sequence uint64
	Data     []byte
}

// ReadRecords returns the stored, not yet delivered record groups of a
// delivery stream from sequence from on, up to max groups. It does not
// consume them; it is for inspection and tests.
func (s *Store) ReadRecords(ctx context.Context, streamUID string, from uint64, max int) ([]RecordGroup, error) {
	var out []RecordGroup
	subject := RecordSubject(streamUID)
	seq := from
	if seq == 0 {
		seq = 1
	}
	for len(out) < max {
		msg, err := s.records.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(subject))
		if err != nil {
			if errors.Is(err, jetstream.ErrMsgNotFound) {
				return out, nil
			}
			return nil, fmt.Errorf("store: read records of %s: %w", streamUID, err)
		}
		out = append(out, RecordGroup{Sequence: msg.Sequence, Data: msg.Data})
		seq = msg.Sequence + 1
	}
	return out, nil
}

func isStorageFull(err error) bool {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		if apiErr.ErrorCode == 10077 || // JSStreamStoreFailedF
			strings.Contains(apiErr.Description, "maximum bytes") ||
			strings.Contains(apiErr.Description, "insufficient resources") {
			return true
		}
	}
	return strings.Contains(err.Error(), "maximum bytes exceeded")
}

// LastSequence returns the sequence of a delivery stream's newest stored
// record group, or 0 when it has none.
func (s *Store) LastSequence(ctx context.Context, streamUID string) (uint64, error) {
	msg, err := s.records.GetLastMsgForSubject(ctx, RecordSubject(streamUID))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: last record of %s: %w", streamUID, err)
	}
	return msg.Sequence, nil
}

// FirstSequence returns the sequence of a delivery stream's oldest record
// group still stored (not yet acknowledged by delivery).
func (s *Store) FirstSequence(ctx context.Context, streamUID string) (uint64, bool, error) {
	msg, err := s.records.GetMsg(ctx, 1, jetstream.WithGetMsgSubject(RecordSubject(streamUID)))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("store: first record of %s: %w", streamUID, err)
	}
	return msg.Sequence, true, nil
}
