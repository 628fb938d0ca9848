package kmsapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/kms"
)

func TestToAWS(t *testing.T) {
	codes := []string{
		kms.CodeNotFound, kms.CodeDisabled, kms.CodeInvalidState, kms.CodeAlreadyExists, kms.CodeInvalidArn,
		kms.CodeInvalidAliasName, kms.CodeInvalidCiphertext, kms.CodeIncorrectKey, kms.CodeInvalidKeyUsage,
		kms.CodeInvalidGrantID, kms.CodeInvalidGrantToken, kms.CodeInvalidMarker, kms.CodeLimitExceeded, kms.CodeTag,
		kms.CodeMalformedPolicy, kms.CodeUnsupportedOperation, kms.CodeDryRun, kms.CodeValidation, kms.CodeNotAuthorized,
		kms.CodeInternal, kms.CodeKeyUnavailable, kms.CodeDependencyTimeout,
	}
	for _, code := range codes {
		err := toAWS(fmt.Errorf("wrapped: %w", &kms.Error{Code: code, Message: "m"}))
		var apiErr *awsproto.Error
		if !errors.As(err, &apiErr) {
			t.Fatalf("%s: not mapped: %v", code, err)
		}
		want := http.StatusBadRequest
		switch code {
		case kms.CodeInternal, kms.CodeKeyUnavailable:
			want = http.StatusInternalServerError
		case kms.CodeDependencyTimeout:
			want = http.StatusServiceUnavailable
		}
		if apiErr.Code != code || apiErr.Message != "m" || apiErr.Status != want {
			t.Errorf("%s: got %+v", code, apiErr)
		}
	}
	var apiErr *awsproto.Error
	if err := toAWS(fmt.Errorf("kms: get key: %w", context.DeadlineExceeded)); !errors.As(err, &apiErr) ||
		apiErr.Code != "DependencyTimeoutException" || apiErr.Status != http.StatusServiceUnavailable {
		t.Errorf("timeout: %v", err)
	}
	plain := errors.New("kms: catalog down")
	if err := toAWS(plain); err != plain {
		t.Errorf("a non-domain error must pass through to the protocol layer, got %v", err)
	}
}
