package s3key

import "errors"

// Messages of the create/update-time prefix rules. The caller answers every
// one of them as InvalidArgumentException with the message unchanged.
//
// Texts marked [observed] were returned by the real service (quoted in public
// issues); the others are written in the same style. The real service's
// "Ths" typo is kept on purpose: clients and tests match these strings.
const (
	// [observed] serverless/serverless#6015, hashicorp/terraform-provider-aws#13416.
	MsgErrorPrefixRequired = "Ths supplied prefix(es) do not satisfy the following constraint: " +
		"ErrorOutputPrefix cannot be null or empty when Prefix contains expressions"
	// [observed] hashicorp/terraform-provider-aws#29092.
	MsgPartitionKeysNeedDynamicPartitioning = "Dynamic Partitioning Namespaces can only be part of a prefix " +
		"expression when Dynamic Partitioning is enabled."

	MsgErrorOutputTypeRequired = "Ths supplied prefix(es) do not satisfy the following constraint: " +
		"ErrorOutputPrefix must contain the expression !{firehose:error-output-type} at least once when it contains expressions"
	MsgErrorOutputTypeInPrefix = "Ths supplied prefix(es) do not satisfy the following constraint: " +
		"Prefix cannot contain the expression !{firehose:error-output-type}"
	MsgPartitionKeyInErrorPrefix = "Ths supplied prefix(es) do not satisfy the following constraint: " +
		"ErrorOutputPrefix cannot contain partitionKeyFromQuery or partitionKeyFromLambda expressions"
	MsgDynamicPartitioningNeedsKeys = "Ths supplied prefix(es) do not satisfy the following constraint: " +
		"Prefix must contain at least one partitionKeyFromQuery or partitionKeyFromLambda expression when Dynamic Partitioning is enabled"
	MsgRedshiftPrefixExpressions = "Ths supplied prefix(es) do not satisfy the following constraint: " +
		"Prefix cannot contain expressions when the destination is Amazon Redshift"
	MsgRedshiftErrorPrefix = "Ths supplied prefix(es) do not satisfy the following constraint: " +
		"ErrorOutputPrefix must be null when the destination is Amazon Redshift"

	// Prefix to a SyntaxError when a prefix is malformed; the error detail follows.
	msgInvalidPrefix      = "The supplied Prefix is not valid: "
	msgInvalidErrorPrefix = "The supplied ErrorOutputPrefix is not valid: "
)

// ValidationError is a prefix configuration that CreateDeliveryStream or
// UpdateDestination must reject. Its Error text is the message to send to the
// client as-is (InvalidArgumentException).
type ValidationError struct {
	Message string
	Err     error // the underlying *SyntaxError for malformed prefixes, else nil
}

func (e *ValidationError) Error() string { return e.Message }
func (e *ValidationError) Unwrap() error { return e.Err }

func invalid(msg string) error { return &ValidationError{Message: msg} }

// ValidatePrefixes applies the rules of spec §4.4 to an S3 destination's
// Prefix and ErrorOutputPrefix (an absent member is the empty string):
//
//  1. ErrorOutputPrefix may be empty only if Prefix has no expressions;
//  2. an ErrorOutputPrefix with expressions must hold !{firehose:error-output-type};
//  3. Prefix must not hold !{firehose:error-output-type};
//  4. ErrorOutputPrefix must not hold partitionKeyFrom* expressions;
//  6. with dynamic partitioning, Prefix must hold a partitionKeyFrom*
//     expression and ErrorOutputPrefix is mandatory (rule 1 then applies);
//     without it, Prefix must not hold one (an observed AWS rule);
//  7. malformed expressions are rejected.
//
// Rule 5 (Redshift) is ValidateRedshiftPrefixes. Every failure is a
// *ValidationError. The 512-character limit applies to the evaluated prefix and
// is checked at delivery time by Namer.
func ValidatePrefixes(prefix, errorOutputPrefix string, dynamicPartitioning bool) error {
	p, err := Parse(prefix)
	if err != nil {
		return &ValidationError{Message: msgInvalidPrefix + err.Error(), Err: err}
	}
	e, err := Parse(errorOutputPrefix)
	if err != nil {
		return &ValidationError{Message: msgInvalidErrorPrefix + err.Error(), Err: err}
	}
	if p.has(segErrorOutputType) {
		return invalid(MsgErrorOutputTypeInPrefix)
	}
	if e.has(segPartitionKeyFromQuery) || e.has(segPartitionKeyFromLambda) {
		return invalid(MsgPartitionKeyInErrorPrefix)
	}
	partitioned := p.has(segPartitionKeyFromQuery) || p.has(segPartitionKeyFromLambda)
	switch {
	case partitioned && !dynamicPartitioning:
		return invalid(MsgPartitionKeysNeedDynamicPartitioning)
	case !partitioned && dynamicPartitioning:
		return invalid(MsgDynamicPartitioningNeedsKeys)
	}
	if errorOutputPrefix == "" && p.HasExpressions() {
		return invalid(MsgErrorPrefixRequired)
	}
	if e.HasExpressions() && !e.has(segErrorOutputType) {
		return invalid(MsgErrorOutputTypeRequired)
	}
	return nil
}

// ValidateRedshiftPrefixes applies rule 5 of spec §4.4 to the intermediate S3
// configuration of a Redshift destination: no expressions in Prefix and no
// ErrorOutputPrefix at all.
func ValidateRedshiftPrefixes(prefix, errorOutputPrefix string) error {
	p, err := Parse(prefix)
	if err != nil {
		return &ValidationError{Message: msgInvalidPrefix + err.Error(), Err: err}
	}
	if p.HasExpressions() {
		return invalid(MsgRedshiftPrefixExpressions)
	}
	if errorOutputPrefix != "" {
		return invalid(MsgRedshiftErrorPrefix)
	}
	return nil
}

// IsValidationError reports whether err is (or wraps) a *ValidationError.
func IsValidationError(err error) bool {
	var ve *ValidationError
	return errors.As(err, &ve)
}
