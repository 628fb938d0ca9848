package kmsapi

import (
	"context"
	"time"

	"github.com/sluicehq/sluice/internal/apishape"
	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/kms"
	km "github.com/sluicehq/sluice/internal/kmsmodel"
)

// API holds what the handlers need.
type API struct {
	kms *kms.Service
}

// empty is the output of operations that return no members ({}).
type empty struct{}

// NewService returns the KMS JSON service for the protocol layer.
func NewService(k *kms.Service) *awsproto.Service {
	a := &API{kms: k}
	return &awsproto.Service{
		TargetPrefix: km.TargetPrefix,
		SigningName:  "kms",
		Operations: map[string]awsproto.Handler{
			"CreateKey":                       handle(a.createKey),
			"DescribeKey":                     handle(a.describeKey),
			"ListKeys":                        handle(a.listKeys),
			"EnableKey":                       handle(a.enableKey),
			"DisableKey":                      handle(a.disableKey),
			"UpdateKeyDescription":            handle(a.updateKeyDescription),
			"ScheduleKeyDeletion":             handle(a.scheduleKeyDeletion),
			"CancelKeyDeletion":               handle(a.cancelKeyDeletion),
			"CreateAlias":                     handle(a.createAlias),
			"UpdateAlias":                     handle(a.updateAlias),
			"DeleteAlias":                     handle(a.deleteAlias),
			"ListAliases":                     handle(a.listAliases),
			"CreateGrant":                     handle(a.createGrant),
			"ListGrants":                      handle(a.listGrants),
			"ListRetirableGrants":             handle(a.listRetirableGrants),
			"RetireGrant":                     handle(a.retireGrant),
			"RevokeGrant":                     handle(a.revokeGrant),
			"Encrypt":                         handle(a.encrypt),
			"Decrypt":                         handle(a.decrypt),
			"GenerateDataKey":                 handle(a.generateDataKey),
			"GenerateDataKeyWithoutPlaintext": handle(a.generateDataKeyWithoutPlaintext),
			"ReEncrypt":                       handle(a.reEncrypt),
			"TagResource":                     handle(a.tagResource),
			"UntagResource":                   handle(a.untagResource),
			"ListResourceTags":                handle(a.listResourceTags),
			"GetKeyPolicy":                    handle(a.getKeyPolicy),
			"PutKeyPolicy":                    handle(a.putKeyPolicy),
		},
	}
}

// handle adapts a typed operation to awsproto.Handler: it decodes and
// validates the generated input type, and maps domain errors.
func handle[In any, PIn interface {
	*In
	Validate() error
}, Out any](op func(ctx context.Context, c kms.Caller, in PIn) (Out, error)) awsproto.Handler {
	return func(ctx context.Context, req *awsproto.Request) (any, error) {
		in := PIn(new(In))
		if err := awsproto.DecodeInput(req, in); err != nil {
			return nil, err
		}
		out, err := op(ctx, kms.Caller{AccountID: req.AccountID, Region: req.Region}, in)
		if err != nil {
			return nil, toAWS(err)
		}
		return out, nil
	}
}

// Small conversions between the generated pointer types and domain values.

func str(p *string) string { return apishape.Deref(p) }

func ptr[T any](v T) *T { return &v }

// optStr is nil for "": AWS omits members it has no value for.
func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func ts(t time.Time) *apishape.Timestamp {
	if t.IsZero() {
		return nil
	}
	v := apishape.NewTimestamp(t)
	return &v
}

func page(limit *int32, marker *string) kms.Page {
	return kms.Page{Limit: int(apishape.Deref(limit)), Marker: str(marker)}
}

// pageOut renders the pagination members; Truncated is always present, as
// in AWS responses, NextMarker only when there is a next page.
func pageOut(p kms.PageResult) (*string, *bool) {
	return optStr(p.NextMarker), ptr(p.Truncated)
}

// convert turns a slice of domain strings into a slice of a generated enum.
func convert[E ~string](in []string) []E {
	if in == nil {
		return nil
	}
	out := make([]E, len(in))
	for i, s := range in {
		out[i] = E(s)
	}
	return out
}

func enumStrings[E ~string](in []E) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, e := range in {
		out[i] = string(e)
	}
	return out
}

func enumStr[E ~string](p *E) string {
	if p == nil {
		return ""
	}
	return string(*p)
}

// unsupportedRecipient refuses the Nitro Enclaves Recipient parameter,
// which needs attestation Sluice cannot verify.
func unsupportedRecipient(r *km.RecipientInfo) error {
	if r == nil {
		return nil
	}
	return &kms.Error{Code: kms.CodeUnsupportedOperation, Message: "The Recipient parameter (AWS Nitro Enclaves) is not supported by this KMS."}
}
