package firehoseapi

import (
	"errors"
	"net/http"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/firehose"
	fm "github.com/sluicehq/sluice/internal/firehosemodel"
)

// errorCodes maps each domain error kind to its AWS error shape and HTTP
// status. Every Firehose error is a 400 except ServiceUnavailableException.
var errorCodes = []struct {
	kind   error
	code   string
	status int
}{
	{firehose.ErrNotFound, fm.ErrCodeResourceNotFoundException, http.StatusBadRequest},
	{firehose.ErrInUse, fm.ErrCodeResourceInUseException, http.StatusBadRequest},
	{firehose.ErrInvalidArgument, fm.ErrCodeInvalidArgumentException, http.StatusBadRequest},
	{firehose.ErrLimitExceeded, fm.ErrCodeLimitExceededException, http.StatusBadRequest},
	{firehose.ErrConcurrentModification, fm.ErrCodeConcurrentModificationException, http.StatusBadRequest},
	{firehose.ErrInvalidKMSResource, fm.ErrCodeInvalidKMSResourceException, http.StatusBadRequest},
	{firehose.ErrUnavailable, fm.ErrCodeServiceUnavailableException, http.StatusServiceUnavailable},
}

// toAWS turns a domain error into the AWS error the caller sees. Errors
// that are not domain errors pass through and become InternalFailure.
func toAWS(err error) error {
	var domErr *firehose.Error
	if !errors.As(err, &domErr) {
		return err
	}
	for _, e := range errorCodes {
		if errors.Is(domErr.Kind, e.kind) {
			apiErr := &awsproto.Error{Code: e.code, Message: domErr.Message, Status: e.status}
			if domErr.KMSCode != "" {
				apiErr = apiErr.WithField("code", domErr.KMSCode)
			}
			return apiErr
		}
	}
	return err
}
