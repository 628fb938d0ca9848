package kmsapi

import (
	"context"

	"github.com/sluicehq/sluice/internal/apishape"
	"github.com/sluicehq/sluice/internal/kms"
	km "github.com/sluicehq/sluice/internal/kmsmodel"
)

func algorithm(s string) *km.EncryptionAlgorithmSpec {
	if s == "" {
		return nil
	}
	return ptr(km.EncryptionAlgorithmSpec(s))
}

func (a *API) encrypt(ctx context.Context, c kms.Caller, in *km.EncryptRequest) (*km.EncryptResponse, error) {
	out, err := a.kms.Encrypt(ctx, c, kms.EncryptInput{
		KeyID:               str(in.KeyId),
		Plaintext:           in.Plaintext,
		EncryptionContext:   in.EncryptionContext,
		EncryptionAlgorithm: enumStr(in.EncryptionAlgorithm),
		GrantTokens:         in.GrantTokens,
		DryRun:              apishape.Deref(in.DryRun),
	})
	if err != nil {
		return nil, err
	}
	return &km.EncryptResponse{
		CiphertextBlob:      out.CiphertextBlob,
		KeyId:               ptr(out.KeyID),
		EncryptionAlgorithm: algorithm(out.EncryptionAlgorithm),
	}, nil
}

func (a *API) decrypt(ctx context.Context, c kms.Caller, in *km.DecryptRequest) (*km.DecryptResponse, error) {
	if err := unsupportedRecipient(in.Recipient); err != nil {
		return nil, err
	}
	out, err := a.kms.Decrypt(ctx, c, kms.DecryptInput{
		CiphertextBlob:      in.CiphertextBlob,
		EncryptionContext:   in.EncryptionContext,
		KeyID:               str(in.KeyId),
		EncryptionAlgorithm: enumStr(in.EncryptionAlgorithm),
		GrantTokens:         in.GrantTokens,
		DryRun:              apishape.Deref(in.DryRun),
	})
	if err != nil {
		return nil, err
	}
	return &km.DecryptResponse{
		KeyId:               ptr(out.KeyID),
		Plaintext:           out.Plaintext,
		EncryptionAlgorithm: algorithm(out.EncryptionAlgorithm),
		KeyMaterialId:       optStr(out.KeyMaterialID),
	}, nil
}

func (a *API) generateDataKey(ctx context.Context, c kms.Caller, in *km.GenerateDataKeyRequest) (*km.GenerateDataKeyResponse, error) {
	if err := unsupportedRecipient(in.Recipient); err != nil {
		return nil, err
	}
	out, err := a.kms.GenerateDataKey(ctx, c, kms.GenerateDataKeyInput{
		KeyID:             str(in.KeyId),
		KeySpec:           enumStr(in.KeySpec),
		NumberOfBytes:     int(apishape.Deref(in.NumberOfBytes)),
		EncryptionContext: in.EncryptionContext,
		GrantTokens:       in.GrantTokens,
		DryRun:            apishape.Deref(in.DryRun),
	})
	if err != nil {
		return nil, err
	}
	return &km.GenerateDataKeyResponse{
		CiphertextBlob: out.CiphertextBlob,
		Plaintext:      out.Plaintext,
		KeyId:          ptr(out.KeyID),
		KeyMaterialId:  optStr(out.KeyMaterialID),
	}, nil
}

func (a *API) generateDataKeyWithoutPlaintext(ctx context.Context, c kms.Caller, in *km.GenerateDataKeyWithoutPlaintextRequest) (*km.GenerateDataKeyWithoutPlaintextResponse, error) {
	out, err := a.kms.GenerateDataKeyWithoutPlaintext(ctx, c, kms.GenerateDataKeyInput{
		KeyID:             str(in.KeyId),
		KeySpec:           enumStr(in.KeySpec),
		NumberOfBytes:     int(apishape.Deref(in.NumberOfBytes)),
		EncryptionContext: in.EncryptionContext,
		GrantTokens:       in.GrantTokens,
		DryRun:            apishape.Deref(in.DryRun),
	})
	if err != nil {
		return nil, err
	}
	return &km.GenerateDataKeyWithoutPlaintextResponse{
		CiphertextBlob: out.CiphertextBlob,
		KeyId:          ptr(out.KeyID),
		KeyMaterialId:  optStr(out.KeyMaterialID),
	}, nil
}

func (a *API) reEncrypt(ctx context.Context, c kms.Caller, in *km.ReEncryptRequest) (*km.ReEncryptResponse, error) {
	out, err := a.kms.ReEncrypt(ctx, c, kms.ReEncryptInput{
		CiphertextBlob:                 in.CiphertextBlob,
		SourceEncryptionContext:        in.SourceEncryptionContext,
		SourceKeyID:                    str(in.SourceKeyId),
		DestinationKeyID:               str(in.DestinationKeyId),
		DestinationEncryptionContext:   in.DestinationEncryptionContext,
		SourceEncryptionAlgorithm:      enumStr(in.SourceEncryptionAlgorithm),
		DestinationEncryptionAlgorithm: enumStr(in.DestinationEncryptionAlgorithm),
		GrantTokens:                    in.GrantTokens,
		DryRun:                         apishape.Deref(in.DryRun),
	})
	if err != nil {
		return nil, err
	}
	return &km.ReEncryptResponse{
		CiphertextBlob:                 out.CiphertextBlob,
		SourceKeyId:                    ptr(out.SourceKeyID),
		KeyId:                          ptr(out.KeyID),
		SourceEncryptionAlgorithm:      algorithm(out.SourceEncryptionAlgorithm),
		DestinationEncryptionAlgorithm: algorithm(out.DestinationEncryptionAlgorithm),
		SourceKeyMaterialId:            optStr(out.SourceKeyMaterialID),
		DestinationKeyMaterialId:       optStr(out.DestinationKeyMaterialID),
	}, nil
}
