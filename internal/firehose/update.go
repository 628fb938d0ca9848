package firehose

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	fm "github.com/sluicehq/sluice/internal/firehosemodel"
	"github.com/sluicehq/sluice/internal/kv"
)

// Update implements UpdateDestination for an input that passed model
// validation. The VersionId the caller read is checked with a
// compare-and-set, so of two concurrent updates from the same version
// exactly one wins and the other gets ConcurrentModificationException.
func (s *Service) Update(ctx context.Context, c Caller, in *fm.UpdateDestinationInput) error {
	name := deref(in.DeliveryStreamName)
	for attempt := 0; ; attempt++ {
		st, err := s.load(ctx, c, name)
		if err != nil {
			return err
		}
		if strconv.FormatInt(st.VersionID, 10) != deref(in.CurrentDeliveryStreamVersionId) {
			return concurrentModification()
		}
		if st.Status != StatusActive {
			return newError(ErrInUse, "Firehose %s under account %s is not in ACTIVE state; its status is %s.", name, c.AccountID, st.Status)
		}
		if id := deref(in.DestinationId); id != DestinationID {
			return invalidArgument("Destination Id %s not found.", id)
		}
		next, err := mergeDestination(st.Destination, in)
		if err != nil {
			return err
		}
		st.Destination = next
		st.VersionID++
		st.UpdatedAt = s.now()
		err = s.save(ctx, st)
		if err == nil {
			s.log.Info("destination updated", "stream", st.ARN, "version", st.VersionID)
			return nil
		}
		// A conflict means the stream changed since it was read, but not
		// necessarily its VersionId: tags and lifecycle steps also write
		// the record. Read it again; if another update won, the version
		// check above now fails with ConcurrentModificationException.
		if !errors.Is(err, kv.ErrConflict) || attempt >= 20 {
			return fmt.Errorf("firehose: update %s: %w", name, err)
		}
	}
}

func concurrentModification() *Error {
	return newError(ErrConcurrentModification, "Another modification has already happened. Fetch VersionId again and use it to update the destination.")
}

// updateRenames maps the members of *DestinationUpdate shapes to the
// members of the *DestinationConfiguration shapes they update.
var updateRenames = map[string]string{
	"S3Update":       "S3Configuration",
	"S3BackupUpdate": "S3BackupConfiguration",
}

// openSearchFamily are the destinations AWS will not switch to or from.
var openSearchFamily = map[string]bool{"Elasticsearch": true, "Amazonopensearchservice": true, "AmazonOpenSearchServerless": true}

// mergeDestination applies one *DestinationUpdate to the current
// destination. Of the same type, the supplied members are merged into the
// configuration and omitted ones keep their values; of another type, the
// update replaces the destination and must be complete.
func mergeDestination(cur Destination, in *fm.UpdateDestinationInput) (Destination, error) {
	kind, update, err := pickUpdate(in)
	if err != nil || kind == "" {
		return cur, err
	}
	curKind := cur.Kind()
	// The legacy S3 shape is a subset of ExtendedS3: an S3 update of an
	// ExtendedS3 stream updates the shared members, and an ExtendedS3
	// update of a legacy stream turns it into ExtendedS3.
	target := kind
	if kind == "S3" && curKind == "ExtendedS3" {
		target = "ExtendedS3"
	}
	sameFamily := target == curKind || (curKind == "S3" && target == "ExtendedS3")
	if !sameFamily && (openSearchFamily[curKind] || openSearchFamily[target]) {
		return cur, invalidArgument("Changing the destination type to or from %s is not supported.", pick(openSearchFamily[curKind], curKind, target))
	}

	base := map[string]any{}
	if sameFamily {
		if base, err = destinationMap(cur, curKind); err != nil {
			return cur, err
		}
	}
	mergeMaps(base, renameKeys(update))
	var next Destination
	if err := setDestinationFromMap(&next, target, base); err != nil {
		return cur, err
	}
	if err := checkOneWay(cur, next); err != nil {
		return cur, err
	}
	if !sameFamily {
		if err := checkComplete(next); err != nil {
			return cur, err
		}
	}
	if err := checkDestination(next); err != nil {
		return cur, err
	}
	applyDefaults(&next)
	return next, nil
}

func pickUpdate(in *fm.UpdateDestinationInput) (string, map[string]any, error) {
	raw, err := json.Marshal(in)
	if err != nil {
		return "", nil, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(raw, &all); err != nil {
		return "", nil, err
	}
	kind, count := "", 0
	var update map[string]any
	for _, k := range destinationKinds {
		member, ok := all[k.name+"DestinationUpdate"]
		if !ok {
			continue
		}
		count++
		kind = k.name
		if err := json.Unmarshal(member, &update); err != nil {
			return "", nil, err
		}
	}
	if count > 1 {
		return "", nil, invalidArgument("Exactly one destination update must be specified.")
	}
	return kind, update, nil
}

func destinationMap(d Destination, kind string) (map[string]any, error) {
	raw, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	var all map[string]map[string]any
	if err := json.Unmarshal(raw, &all); err != nil {
		return nil, err
	}
	return all[kind], nil
}

func setDestinationFromMap(d *Destination, kind string, m map[string]any) error {
	raw, err := json.Marshal(map[string]any{kind: m})
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, d)
}

func renameKeys(m map[string]any) map[string]any {
	for from, to := range updateRenames {
		if v, ok := m[from]; ok {
			m[to] = v
			delete(m, from)
		}
	}
	return m
}

// wholeMembers are structures an update replaces instead of merging:
//   - unions, of which exactly one member may be set: merging
//     {"KMSEncryptionConfig": ...} into {"NoEncryptionConfig": "NoEncryption"}
//     would set both, so a stream could never switch its S3 encryption;
//   - buffering hints, whose two members come as a pair (spec §4.2): the
//     pair rule applies to the hints in the request, which merging one
//     member into the stored pair would hide.
var wholeMembers = map[string]bool{
	"EncryptionConfiguration": true, // NoEncryptionConfig | KMSEncryptionConfig
	"Deserializer":            true, // OpenXJsonSerDe | HiveJsonSerDe
	"Serializer":              true, // ParquetSerDe | OrcSerDe
	"BufferingHints":          true, // SizeInMBs + IntervalInSeconds
}

// mergeMaps merges src into dst: objects merge member by member, anything
// else (scalars, lists, wholeMembers) is replaced.
func mergeMaps(dst, src map[string]any) {
	for k, v := range src {
		sub, isMap := v.(map[string]any)
		cur, curIsMap := dst[k].(map[string]any)
		if isMap && curIsMap && !wholeMembers[k] {
			mergeMaps(cur, sub)
			continue
		}
		dst[k] = v
	}
}

// checkOneWay enforces the settings AWS lets a stream turn on but never off.
func checkOneWay(cur, next Destination) *Error {
	if a, b := cur.ExtendedS3, next.ExtendedS3; a != nil && b != nil {
		if deref(a.S3BackupMode) == fm.S3BackupModeEnabled && deref(b.S3BackupMode) == fm.S3BackupModeDisabled {
			return invalidArgument("S3BackupMode cannot be changed from Enabled to Disabled.")
		}
		wasDP := a.DynamicPartitioningConfiguration != nil && deref(a.DynamicPartitioningConfiguration.Enabled)
		isDP := b.DynamicPartitioningConfiguration != nil && deref(b.DynamicPartitioningConfiguration.Enabled)
		if wasDP && !isDP {
			return invalidArgument("Dynamic partitioning cannot be disabled once it is enabled.")
		}
		if !wasDP && isDP {
			return invalidArgument("Dynamic partitioning can only be enabled when the Firehose stream is created.")
		}
	}
	if cur.ExtendedS3 == nil && next.ExtendedS3 != nil {
		if dp := next.ExtendedS3.DynamicPartitioningConfiguration; dp != nil && deref(dp.Enabled) {
			return invalidArgument("Dynamic partitioning can only be enabled when the Firehose stream is created.")
		}
	}
	if a, b := cur.Redshift, next.Redshift; a != nil && b != nil &&
		deref(a.S3BackupMode) == fm.RedshiftS3BackupModeEnabled && deref(b.S3BackupMode) == fm.RedshiftS3BackupModeDisabled {
		return invalidArgument("S3BackupMode cannot be changed from Enabled to Disabled.")
	}
	if a, b := cur.Splunk, next.Splunk; a != nil && b != nil &&
		deref(a.S3BackupMode) == fm.SplunkS3BackupModeAllEvents && deref(b.S3BackupMode) == fm.SplunkS3BackupModeFailedEventsOnly {
		return invalidArgument("S3BackupMode cannot be changed from AllEvents to FailedEventsOnly.")
	}
	return nil
}

// checkComplete validates a replacement destination against the required
// members of its Configuration shape, reusing the generated validator of
// CreateDeliveryStream.
func checkComplete(d Destination) *Error {
	in := fm.CreateDeliveryStreamInput{
		DeliveryStreamName:                                 ptr("x"),
		S3DestinationConfiguration:                         d.S3,
		ExtendedS3DestinationConfiguration:                 d.ExtendedS3,
		RedshiftDestinationConfiguration:                   d.Redshift,
		ElasticsearchDestinationConfiguration:              d.Elasticsearch,
		AmazonopensearchserviceDestinationConfiguration:    d.Amazonopensearchservice,
		SplunkDestinationConfiguration:                     d.Splunk,
		HttpEndpointDestinationConfiguration:               d.HttpEndpoint,
		AmazonOpenSearchServerlessDestinationConfiguration: d.AmazonOpenSearchServerless,
		SnowflakeDestinationConfiguration:                  d.Snowflake,
		IcebergDestinationConfiguration:                    d.Iceberg,
	}
	if err := in.Validate(); err != nil {
		return invalidArgument("The new destination configuration is incomplete: %s", err.Error())
	}
	return nil
}

func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}
