package kmsapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/kms"
	km "github.com/sluicehq/sluice/internal/kmsmodel"
)

// errorTable maps every kms error code to the AWS error shape and HTTP
// status the caller sees. Recorded real responses show 400 for the client
// errors the Smithy model gives 404/409/412, so every client error is a 400
// (spec §7.3); the service's own faults are 500, and DependencyTimeout is a
// 503, which every SDK retries.
var errorTable = map[string]struct {
	code   string
	status int
}{
	kms.CodeNotFound:             {km.ErrCodeNotFoundException, http.StatusBadRequest},
	kms.CodeDisabled:             {km.ErrCodeDisabledException, http.StatusBadRequest},
	kms.CodeInvalidState:         {km.ErrCodeKMSInvalidStateException, http.StatusBadRequest},
	kms.CodeAlreadyExists:        {km.ErrCodeAlreadyExistsException, http.StatusBadRequest},
	kms.CodeInvalidArn:           {km.ErrCodeInvalidArnException, http.StatusBadRequest},
	kms.CodeInvalidAliasName:     {km.ErrCodeInvalidAliasNameException, http.StatusBadRequest},
	kms.CodeInvalidCiphertext:    {km.ErrCodeInvalidCiphertextException, http.StatusBadRequest},
	kms.CodeIncorrectKey:         {km.ErrCodeIncorrectKeyException, http.StatusBadRequest},
	kms.CodeInvalidKeyUsage:      {km.ErrCodeInvalidKeyUsageException, http.StatusBadRequest},
	kms.CodeInvalidGrantID:       {km.ErrCodeInvalidGrantIdException, http.StatusBadRequest},
	kms.CodeInvalidGrantToken:    {km.ErrCodeInvalidGrantTokenException, http.StatusBadRequest},
	kms.CodeInvalidMarker:        {km.ErrCodeInvalidMarkerException, http.StatusBadRequest},
	kms.CodeLimitExceeded:        {km.ErrCodeLimitExceededException, http.StatusBadRequest},
	kms.CodeTag:                  {km.ErrCodeTagException, http.StatusBadRequest},
	kms.CodeMalformedPolicy:      {km.ErrCodeMalformedPolicyDocumentException, http.StatusBadRequest},
	kms.CodeUnsupportedOperation: {km.ErrCodeUnsupportedOperationException, http.StatusBadRequest},
	kms.CodeDryRun:               {km.ErrCodeDryRunOperationException, http.StatusBadRequest},
	kms.CodeValidation:           {awsproto.CodeValidation, http.StatusBadRequest},
	kms.CodeNotAuthorized:        {"NotAuthorizedException", http.StatusBadRequest},
	kms.CodeInternal:             {km.ErrCodeKMSInternalException, http.StatusInternalServerError},
	kms.CodeKeyUnavailable:       {km.ErrCodeKeyUnavailableException, http.StatusInternalServerError},
	kms.CodeDependencyTimeout:    {km.ErrCodeDependencyTimeoutException, http.StatusServiceUnavailable},
}

// msgDependencyTimeout is KMS's text for DependencyTimeoutException.
const msgDependencyTimeout = "The system timed out while trying to fulfill the request. You can retry the request."

// toAWS turns an error of the domain into the AWS error the caller sees.
// Anything else (a catalog failure) passes through unchanged so that the
// protocol layer logs it with the request id and answers a 500, except a
// timeout, which is KMS's retryable DependencyTimeoutException.
func toAWS(err error) error {
	var domErr *kms.Error
	if errors.As(err, &domErr) {
		if e, ok := errorTable[domErr.Code]; ok {
			return &awsproto.Error{Code: e.code, Message: domErr.Message, Status: e.status}
		}
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &awsproto.Error{Code: km.ErrCodeDependencyTimeoutException, Message: msgDependencyTimeout, Status: http.StatusServiceUnavailable}
	}
	return err
}
