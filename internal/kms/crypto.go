package kms

import (
	"context"
	"crypto/rand"
	"fmt"
)

// EncryptInput is the input of Encrypt.
type EncryptInput struct {
	KeyID               string // key id, key ARN, alias name or alias ARN
	Plaintext           []byte // 1-4096 bytes
	EncryptionContext   map[string]string
	EncryptionAlgorithm string // "" or SYMMETRIC_DEFAULT
	GrantTokens         []string
	DryRun              bool
}

// EncryptOutput is the result of Encrypt.
type EncryptOutput struct {
	CiphertextBlob      []byte
	KeyID               string // key ARN
	EncryptionAlgorithm string
}

// DecryptInput is the input of Decrypt.
type DecryptInput struct {
	CiphertextBlob      []byte
	EncryptionContext   map[string]string
	KeyID               string // optional; if set it must name the blob's key
	EncryptionAlgorithm string
	GrantTokens         []string
	DryRun              bool
}

// DecryptOutput is the result of Decrypt.
type DecryptOutput struct {
	KeyID               string // key ARN
	Plaintext           []byte
	EncryptionAlgorithm string
	KeyMaterialID       string
}

// GenerateDataKeyInput is the input of GenerateDataKey and
// GenerateDataKeyWithoutPlaintext. Exactly one of KeySpec and NumberOfBytes
// must be set.
type GenerateDataKeyInput struct {
	KeyID             string
	KeySpec           string // AES_256 or AES_128
	NumberOfBytes     int    // 1-1024; 0 means unset
	EncryptionContext map[string]string
	GrantTokens       []string
	DryRun            bool
}

// GenerateDataKeyOutput is the result of GenerateDataKey (Plaintext is nil
// for GenerateDataKeyWithoutPlaintext).
type GenerateDataKeyOutput struct {
	CiphertextBlob []byte
	Plaintext      []byte
	KeyID          string // key ARN
	KeyMaterialID  string
}

// ReEncryptInput is the input of ReEncrypt.
type ReEncryptInput struct {
	CiphertextBlob                 []byte
	SourceEncryptionContext        map[string]string
	SourceKeyID                    string // optional, as Decrypt's KeyID
	DestinationKeyID               string
	DestinationEncryptionContext   map[string]string
	SourceEncryptionAlgorithm      string
	DestinationEncryptionAlgorithm string
	GrantTokens                    []string
	DryRun                         bool
}

// ReEncryptOutput is the result of ReEncrypt.
type ReEncryptOutput struct {
	CiphertextBlob                 []byte
	SourceKeyID                    string // key ARN
	KeyID                          string // destination key ARN
	SourceEncryptionAlgorithm      string
	DestinationEncryptionAlgorithm string
	SourceKeyMaterialID            string
	DestinationKeyMaterialID       string
}

// Encrypt encrypts up to 4 KiB under a symmetric key.
func (s *Service) Encrypt(ctx context.Context, c Caller, in EncryptInput) (EncryptOutput, error) {
	if err := checkPlaintextLen(len(in.Plaintext)); err != nil {
		return EncryptOutput{}, err
	}
	ck, err := s.resolve(ctx, c, in.KeyID, true)
	if err != nil {
		return EncryptOutput{}, err
	}
	if err := usableFor(OpEncrypt, ck, in.EncryptionAlgorithm); err != nil {
		return EncryptOutput{}, err
	}
	if in.DryRun {
		return EncryptOutput{}, dryRun()
	}
	blob, err := s.seal(ck, in.Plaintext, in.EncryptionContext)
	if err != nil {
		return EncryptOutput{}, err
	}
	return EncryptOutput{CiphertextBlob: blob, KeyID: ck.arn, EncryptionAlgorithm: AlgorithmSymmetricDefault}, nil
}

// Decrypt decrypts a blob made by Encrypt, GenerateDataKey* or ReEncrypt.
// The blob names its key; in.KeyID, when given, must name the same key
// (IncorrectKeyException otherwise). A damaged blob, a wrong encryption
// context, or a blob whose key no longer exists is InvalidCiphertextException
// with no message.
func (s *Service) Decrypt(ctx context.Context, c Caller, in DecryptInput) (DecryptOutput, error) {
	pt, ck, err := s.open(ctx, c, OpDecrypt, in.CiphertextBlob, in.KeyID, in.EncryptionAlgorithm, in.EncryptionContext, in.DryRun)
	if err != nil {
		return DecryptOutput{}, err
	}
	return DecryptOutput{KeyID: ck.arn, Plaintext: pt, EncryptionAlgorithm: AlgorithmSymmetricDefault, KeyMaterialID: ck.rec.MaterialID}, nil
}

// GenerateDataKey returns a fresh random data key in plaintext and
// encrypted under a symmetric key.
func (s *Service) GenerateDataKey(ctx context.Context, c Caller, in GenerateDataKeyInput) (GenerateDataKeyOutput, error) {
	return s.generateDataKey(ctx, c, OpGenerateDataKey, in)
}

// GenerateDataKeyWithoutPlaintext is GenerateDataKey without the plaintext
// copy of the data key.
func (s *Service) GenerateDataKeyWithoutPlaintext(ctx context.Context, c Caller, in GenerateDataKeyInput) (GenerateDataKeyOutput, error) {
	out, err := s.generateDataKey(ctx, c, OpGenerateDataKeyWithoutPlaintext, in)
	clear(out.Plaintext)
	out.Plaintext = nil
	return out, err
}

func (s *Service) generateDataKey(ctx context.Context, c Caller, op Operation, in GenerateDataKeyInput) (GenerateDataKeyOutput, error) {
	n, err := dataKeySize(in.KeySpec, in.NumberOfBytes)
	if err != nil {
		return GenerateDataKeyOutput{}, err
	}
	ck, err := s.resolve(ctx, c, in.KeyID, true)
	if err != nil {
		return GenerateDataKeyOutput{}, err
	}
	if err := usableFor(op, ck, ""); err != nil {
		return GenerateDataKeyOutput{}, err
	}
	if in.DryRun {
		return GenerateDataKeyOutput{}, dryRun()
	}
	dataKey := make([]byte, n)
	if _, err := rand.Read(dataKey); err != nil {
		return GenerateDataKeyOutput{}, fmt.Errorf("kms: generate data key: %w", err)
	}
	blob, err := s.seal(ck, dataKey, in.EncryptionContext)
	if err != nil {
		return GenerateDataKeyOutput{}, err
	}
	return GenerateDataKeyOutput{CiphertextBlob: blob, Plaintext: dataKey, KeyID: ck.arn, KeyMaterialID: ck.rec.MaterialID}, nil
}

// dataKeySize applies GenerateDataKey's KeySpec/NumberOfBytes rules.
func dataKeySize(keySpec string, numberOfBytes int) (int, error) {
	switch {
	case keySpec != "" && numberOfBytes != 0:
		return 0, validationf("Please specify either number of bytes or key spec.")
	case keySpec == DataKeySpecAES256:
		return 32, nil
	case keySpec == DataKeySpecAES128:
		return 16, nil
	case keySpec != "":
		return 0, validationf("1 validation error detected: Value '%s' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]", keySpec)
	case numberOfBytes == 0:
		return 0, validationf("NumberOfBytes is required.")
	case numberOfBytes < 1:
		return 0, validationf("1 validation error detected: Value '%d' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1", numberOfBytes)
	case numberOfBytes > 1024:
		return 0, validationf("1 validation error detected: Value '%d' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024", numberOfBytes)
	}
	return numberOfBytes, nil
}

// ReEncrypt decrypts a blob and encrypts the plaintext under another key
// (or the same key with another context) without exposing it.
func (s *Service) ReEncrypt(ctx context.Context, c Caller, in ReEncryptInput) (ReEncryptOutput, error) {
	pt, src, err := s.open(ctx, c, OpReEncryptFrom, in.CiphertextBlob, in.SourceKeyID, in.SourceEncryptionAlgorithm, in.SourceEncryptionContext, false)
	if err != nil {
		return ReEncryptOutput{}, err
	}
	defer clear(pt)
	dst, err := s.resolve(ctx, c, in.DestinationKeyID, true)
	if err != nil {
		return ReEncryptOutput{}, err
	}
	if err := usableFor(OpReEncryptTo, dst, in.DestinationEncryptionAlgorithm); err != nil {
		return ReEncryptOutput{}, err
	}
	if in.DryRun {
		return ReEncryptOutput{}, dryRun()
	}
	blob, err := s.seal(dst, pt, in.DestinationEncryptionContext)
	if err != nil {
		return ReEncryptOutput{}, err
	}
	return ReEncryptOutput{
		CiphertextBlob:                 blob,
		SourceKeyID:                    src.arn,
		KeyID:                          dst.arn,
		SourceEncryptionAlgorithm:      AlgorithmSymmetricDefault,
		DestinationEncryptionAlgorithm: AlgorithmSymmetricDefault,
		SourceKeyMaterialID:            src.rec.MaterialID,
		DestinationKeyMaterialID:       dst.rec.MaterialID,
	}, nil
}

// open is the decrypting half of Decrypt and ReEncrypt.
func (s *Service) open(ctx context.Context, c Caller, op Operation, blob []byte, keyID, algorithm string,
	ec map[string]string, dry bool) ([]byte, *cachedKey, error) {
	if len(blob) == 0 {
		return nil, nil, validationf("1 validation error detected: Value at 'ciphertextBlob' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if len(blob) > MaxCiphertextSize {
		return nil, nil, validationf("1 validation error detected: Value at 'ciphertextBlob' failed to satisfy constraint: Member must have length less than or equal to %d", MaxCiphertextSize)
	}
	if err := c.validate(); err != nil {
		return nil, nil, err
	}
	blobKey, ok := blobKeyID(blob)
	if !ok {
		return nil, nil, invalidCiphertext()
	}
	if keyID != "" {
		named, err := s.resolve(ctx, c, keyID, true)
		if err != nil {
			return nil, nil, err
		}
		if named.rec.KeyID != blobKey {
			return nil, nil, &Error{Code: CodeIncorrectKey, Message: msgIncorrectKey}
		}
	}
	ck, err := s.getKey(ctx, c, blobKey)
	if CodeOf(err) == CodeNotFound {
		// Nothing says the blob is ours: random bytes decode to a key id
		// too. AWS answers undecryptable blobs this way.
		return nil, nil, invalidCiphertext()
	}
	if err != nil {
		return nil, nil, err
	}
	if err := checkState(op, ck.rec.State, ck.arn); err != nil {
		return nil, nil, err
	}
	if ck.rec.KeySpec != KeySpecSymmetricDefault {
		return nil, nil, invalidCiphertext()
	}
	if err := checkAlgorithm(algorithm, ck.rec.KeySpec); err != nil {
		return nil, nil, err
	}
	if dry {
		return nil, nil, dryRun()
	}
	aead, err := s.keyAEAD(ck)
	if err != nil {
		return nil, nil, err
	}
	pt, err := openBlob(aead, blob, ec)
	if err != nil {
		return nil, nil, err
	}
	return pt, ck, nil
}

func (s *Service) seal(ck *cachedKey, plaintext []byte, ec map[string]string) ([]byte, error) {
	aead, err := s.keyAEAD(ck)
	if err != nil {
		return nil, err
	}
	return sealBlob(aead, ck.rec.KeyID, plaintext, ec)
}

// usableFor checks that a key can encrypt for op: it must be Enabled, an
// ENCRYPT_DECRYPT key, and (in Sluice) symmetric.
func usableFor(op Operation, ck *cachedKey, algorithm string) error {
	if err := checkState(op, ck.rec.State, ck.arn); err != nil {
		return err
	}
	opName := string(op)
	if op == OpReEncryptFrom || op == OpReEncryptTo {
		opName = "ReEncrypt"
	}
	if ck.rec.KeyUsage != KeyUsageEncryptDecrypt {
		return errorf(CodeInvalidKeyUsage, "%s key usage is %s which is not valid for %s.", ck.arn, ck.rec.KeyUsage, opName)
	}
	if ck.rec.KeySpec != KeySpecSymmetricDefault {
		return errorf(CodeInvalidKeyUsage, "%s key spec is %s which is not valid for %s.", ck.arn, ck.rec.KeySpec, opName)
	}
	return checkAlgorithm(algorithm, ck.rec.KeySpec)
}

func checkAlgorithm(algorithm, keySpec string) error {
	if algorithm == "" || algorithm == AlgorithmSymmetricDefault {
		return nil
	}
	return errorf(CodeInvalidKeyUsage, "Algorithm %s is incompatible with key spec %s.", algorithm, keySpec)
}

func checkPlaintextLen(n int) error {
	if n < 1 {
		return validationf("1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if n > MaxPlaintextSize {
		return validationf("1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to %d", MaxPlaintextSize)
	}
	return nil
}
