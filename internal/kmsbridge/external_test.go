package kmsbridge

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/sluicehq/sluice/internal/firehose"
)

func TestTranslateAPI(t *testing.T) {
	for _, tc := range []struct {
		err      error
		kmsCode  string // "" means transient (not a KMSError)
		contains string
	}{
		{&smithy.GenericAPIError{Code: "NotFoundException", Message: "Key 'k' does not exist", Fault: smithy.FaultClient}, "NotFoundException", "does not exist"},
		{&smithy.GenericAPIError{Code: "DisabledException", Message: "k is disabled.", Fault: smithy.FaultClient}, "DisabledException", "disabled"},
		{&smithy.GenericAPIError{Code: "KMSInvalidStateException", Message: "k is pending deletion.", Fault: smithy.FaultClient}, "KMSInvalidStateException", "pending"},
		{&smithy.GenericAPIError{Code: "InvalidGrantIdException", Message: "no such grant", Fault: smithy.FaultClient}, "InvalidGrantIdException", "grant"},
		{&smithy.GenericAPIError{Code: "AccessDeniedException", Message: "denied", Fault: smithy.FaultClient}, "AccessDeniedException", "denied"},
		{&smithy.GenericAPIError{Code: "UnrecognizedClientException", Message: "bad token", Fault: smithy.FaultClient}, "AccessDeniedException", "UnrecognizedClientException: bad token"},
		{&smithy.GenericAPIError{Code: "LimitExceededException", Message: "too many grants", Fault: smithy.FaultClient}, "LimitExceededException", "too many"},
		{&smithy.GenericAPIError{Code: "DependencyTimeoutException", Message: "slow", Fault: smithy.FaultServer}, "", "slow"},
		{&smithy.GenericAPIError{Code: "KMSInternalException", Message: "oops", Fault: smithy.FaultServer}, "", "oops"},
		{&smithy.GenericAPIError{Code: "ThrottlingException", Message: "slow down", Fault: smithy.FaultClient}, "", "slow down"},
		{&smithy.GenericAPIError{Code: "SomethingNew", Message: "5xx", Fault: smithy.FaultServer}, "", "5xx"},
		{&smithy.OperationError{ServiceID: "KMS", OperationName: "Decrypt", Err: &smithy.GenericAPIError{Code: "DisabledException", Message: "wrapped"}}, "DisabledException", "wrapped"},
		{context.DeadlineExceeded, "", "deadline"},
		{errors.New("dial tcp: connection refused"), "", "refused"},
	} {
		got := translateAPI("Op", tc.err)
		if code := firehose.KMSCode(got); code != tc.kmsCode {
			t.Errorf("translateAPI(%v) code = %q, want %q", tc.err, code, tc.kmsCode)
		}
		if got == nil || !contains(got.Error(), tc.contains) {
			t.Errorf("translateAPI(%v) = %v, want it to mention %q", tc.err, got, tc.contains)
		}
	}
	if translateAPI("Op", nil) != nil {
		t.Error("translateAPI(nil) != nil")
	}
}

func TestKeyOwner(t *testing.T) {
	for arn, want := range map[string]firehose.Caller{
		"arn:aws:kms:eu-west-1:123456789012:key/abc":   {AccountID: "123456789012", Region: "eu-west-1"},
		"arn:aws-cn:kms:cn-north-1:123456789012:key/x": {AccountID: "123456789012", Region: "cn-north-1"},
	} {
		if got, ok := KeyOwner(arn); !ok || got != want {
			t.Errorf("KeyOwner(%s) = %+v, %v", arn, got, ok)
		}
	}
	for _, bad := range []string{"", "key/abc", "arn:aws:s3:::bucket", "arn:aws:kms::123:key/x"} {
		if _, ok := KeyOwner(bad); ok {
			t.Errorf("KeyOwner(%q) ok", bad)
		}
	}
}

func contains(s, sub string) bool {
	return strings.Contains(s, sub)
}
