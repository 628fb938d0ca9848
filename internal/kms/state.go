package kms

// Operation names a KMS operation whose outcome depends on the key state.
type Operation string

// Operations of the key-state table (spec §7.2).
const (
	OpDescribeKey                     Operation = "DescribeKey"
	OpListAliases                     Operation = "ListAliases"
	OpListGrants                      Operation = "ListGrants"
	OpRetireGrant                     Operation = "RetireGrant"
	OpRevokeGrant                     Operation = "RevokeGrant"
	OpDeleteAlias                     Operation = "DeleteAlias"
	OpGetKeyPolicy                    Operation = "GetKeyPolicy"
	OpPutKeyPolicy                    Operation = "PutKeyPolicy"
	OpListResourceTags                Operation = "ListResourceTags"
	OpEncrypt                         Operation = "Encrypt"
	OpDecrypt                         Operation = "Decrypt"
	OpGenerateDataKey                 Operation = "GenerateDataKey"
	OpGenerateDataKeyWithoutPlaintext Operation = "GenerateDataKeyWithoutPlaintext"
	OpReEncryptFrom                   Operation = "ReEncryptFrom"
	OpReEncryptTo                     Operation = "ReEncryptTo"
	OpCreateGrant                     Operation = "CreateGrant"
	OpEnableKey                       Operation = "EnableKey"
	OpDisableKey                      Operation = "DisableKey"
	OpScheduleKeyDeletion             Operation = "ScheduleKeyDeletion"
	OpCreateAlias                     Operation = "CreateAlias"
	OpUpdateAliasTarget               Operation = "UpdateAlias"
	OpTagResource                     Operation = "TagResource"
	OpUntagResource                   Operation = "UntagResource"
	OpUpdateKeyDescription            Operation = "UpdateKeyDescription"
	OpCancelKeyDeletion               Operation = "CancelKeyDeletion"
)

// stateRule is one row class of the key-state table.
type stateRule uint8

const (
	// ruleAnyState: the operation works in every key state.
	ruleAnyState stateRule = iota
	// ruleUse: cryptographic use; only an Enabled key will do.
	ruleUse
	// ruleManage: configuration changes; refused while pending deletion.
	ruleManage
	// rulePendingDeletion: only a key pending deletion (CancelKeyDeletion).
	rulePendingDeletion
)

// ruleFor is the operation-by-state table of the KMS developer guide
// ("Key states of AWS KMS keys"), restricted to the operations Sluice has.
func ruleFor(op Operation) stateRule {
	switch op {
	case OpEncrypt, OpDecrypt, OpGenerateDataKey, OpGenerateDataKeyWithoutPlaintext,
		OpReEncryptFrom, OpReEncryptTo, OpCreateGrant:
		return ruleUse
	case OpEnableKey, OpDisableKey, OpScheduleKeyDeletion, OpCreateAlias, OpUpdateAliasTarget,
		OpTagResource, OpUntagResource, OpUpdateKeyDescription:
		return ruleManage
	case OpCancelKeyDeletion:
		return rulePendingDeletion
	default:
		// DescribeKey, ListAliases, ListGrants, RetireGrant, RevokeGrant,
		// DeleteAlias, GetKeyPolicy, PutKeyPolicy, ListResourceTags.
		return ruleAnyState
	}
}

// checkState returns the error real KMS gives when op meets a key in state
// st, or nil when the operation may proceed.
func checkState(op Operation, st KeyState, arn string) error {
	switch ruleFor(op) {
	case ruleUse:
		switch st {
		case KeyStateEnabled:
			return nil
		case KeyStateDisabled:
			return errorf(CodeDisabled, "%s is disabled.", arn)
		}
		return invalidState(st, arn)
	case ruleManage:
		switch st {
		case KeyStateEnabled, KeyStateDisabled:
			return nil
		}
		return invalidState(st, arn)
	case rulePendingDeletion:
		if st == KeyStatePendingDeletion {
			return nil
		}
		return errorf(CodeInvalidState, "%s is not pending deletion.", arn)
	}
	return nil
}

func invalidState(st KeyState, arn string) error {
	var phrase string
	switch st {
	case KeyStatePendingDeletion:
		phrase = "pending deletion"
	case KeyStatePendingImport:
		phrase = "pending import"
	case KeyStatePendingReplicaDeletion:
		phrase = "pending replica deletion"
	case KeyStateCreating:
		phrase = "creating"
	case KeyStateUpdating:
		phrase = "updating"
	case KeyStateUnavailable:
		phrase = "unavailable"
	case KeyStateDisabled:
		phrase = "disabled"
	default:
		phrase = "in state " + string(st)
	}
	return errorf(CodeInvalidState, "%s is %s.", arn, phrase)
}
