package kmsapi_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/sluicehq/sluice/internal/awsproto"
	"github.com/sluicehq/sluice/internal/kms"
	"github.com/sluicehq/sluice/internal/kmsapi"
	"github.com/sluicehq/sluice/internal/kv"
)

const (
	account    = "000000000000"
	otherAcct  = "222222222222"
	otherAKID  = "AKIDOTHERACCOUNT"
	defaultARN = "arn:aws:kms:us-east-1:" + account + ":"
)

type harness struct {
	url    string
	client *awskms.Client
	other  *awskms.Client // same server, another account
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	root := bytes.Repeat([]byte{7}, kms.RootKeySize)
	svc, err := kms.NewService(kms.Config{}, kv.NewMemory(), root, nil)
	if err != nil {
		t.Fatal(err)
	}
	auth := awsproto.ScopeAuthenticator{
		DefaultAccount: account, DefaultRegion: "us-east-1",
		Accounts: map[string]string{otherAKID: otherAcct},
	}
	server := awsproto.NewServer(awsproto.Config{MaxBodyBytes: 1 << 20}, slog.New(slog.NewTextHandler(io.Discard, nil)), auth, kmsapi.NewService(svc))
	srv := httptest.NewServer(server)
	t.Cleanup(srv.Close)
	return &harness{url: srv.URL, client: newClient(srv.URL, "AKIDEXAMPLE"), other: newClient(srv.URL, otherAKID)}
}

func newClient(url, akid string) *awskms.Client {
	return awskms.New(awskms.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(url),
		Credentials:      credentials.NewStaticCredentialsProvider(akid, "secret", ""),
		RetryMaxAttempts: 1,
	})
}

func (h *harness) createKey(t *testing.T) *types.KeyMetadata {
	t.Helper()
	out, err := h.client.CreateKey(context.Background(), &awskms.CreateKeyInput{Description: aws.String("test key")})
	if err != nil {
		t.Fatal(err)
	}
	return out.KeyMetadata
}

// wantAPIError asserts the error's type (through errors.As into T), code
// and, when msg is not empty, message.
func wantAPIError[T smithy.APIError](t *testing.T, err error, msg string) {
	t.Helper()
	var target T
	if !errors.As(err, &target) {
		t.Fatalf("got %v (%T), want %T", err, err, target)
	}
	if msg != "" && target.ErrorMessage() != msg {
		t.Fatalf("message %q, want %q", target.ErrorMessage(), msg)
	}
}

func wantCode(t *testing.T, err error, code, msg string) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("got %v, want %s", err, code)
	}
	if apiErr.ErrorCode() != code || (msg != "" && apiErr.ErrorMessage() != msg) {
		t.Fatalf("got %s %q, want %s %q", apiErr.ErrorCode(), apiErr.ErrorMessage(), code, msg)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestAPI_CreateAndDescribeKey(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	m := h.createKey(t)
	id := aws.ToString(m.KeyId)
	if aws.ToString(m.Arn) != defaultARN+"key/"+id || aws.ToString(m.AWSAccountId) != account ||
		m.KeyState != types.KeyStateEnabled || !m.Enabled || m.KeySpec != types.KeySpecSymmetricDefault ||
		m.KeyUsage != types.KeyUsageTypeEncryptDecrypt || m.Origin != types.OriginTypeAwsKms ||
		m.KeyManager != types.KeyManagerTypeCustomer || aws.ToString(m.Description) != "test key" ||
		m.CreationDate == nil || len(aws.ToString(m.CurrentKeyMaterialId)) != 64 ||
		len(m.EncryptionAlgorithms) != 1 || m.EncryptionAlgorithms[0] != types.EncryptionAlgorithmSpecSymmetricDefault {
		t.Fatalf("CreateKey metadata %+v", m)
	}
	d, err := h.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: m.Arn})
	must(t, err)
	if aws.ToString(d.KeyMetadata.KeyId) != id || !d.KeyMetadata.CreationDate.Equal(*m.CreationDate) {
		t.Fatalf("DescribeKey %+v", d.KeyMetadata)
	}

	_, err = h.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String("fake-key-id")})
	wantAPIError[*types.NotFoundException](t, err, "Invalid keyId 'fake-key-id'")
	unknown := "0b0e7c1a-8d44-4c1e-9a55-3f1b2a4c5d6e"
	_, err = h.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String(unknown)})
	wantAPIError[*types.NotFoundException](t, err, "Key '"+defaultARN+"key/"+unknown+"' does not exist")
	_, err = h.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String("arn:aws:kms:eu-west-1:" + account + ":key/" + id)})
	wantAPIError[*types.NotFoundException](t, err, "Invalid arn eu-west-1")

	_, err = h.client.CreateKey(ctx, &awskms.CreateKeyInput{KeySpec: types.KeySpecRsa2048})
	wantCode(t, err, "ValidationException", "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.")
}

func TestAPI_EncryptDecrypt(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	m := h.createKey(t)
	ec := map[string]string{"aws:firehose:arn": "arn:aws:firehose:us-east-1:000000000000:deliverystream/s"}
	enc, err := h.client.Encrypt(ctx, &awskms.EncryptInput{KeyId: m.KeyId, Plaintext: []byte("hello, kms"), EncryptionContext: ec})
	must(t, err)
	if aws.ToString(enc.KeyId) != aws.ToString(m.Arn) || enc.EncryptionAlgorithm != types.EncryptionAlgorithmSpecSymmetricDefault {
		t.Fatalf("Encrypt output %+v", enc)
	}
	dec, err := h.client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
	must(t, err)
	if string(dec.Plaintext) != "hello, kms" || aws.ToString(dec.KeyId) != aws.ToString(m.Arn) ||
		aws.ToString(dec.KeyMaterialId) != aws.ToString(m.CurrentKeyMaterialId) {
		t.Fatalf("Decrypt output %+v", dec)
	}

	_, err = h.client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"x": "y"}})
	wantAPIError[*types.InvalidCiphertextException](t, err, "")
	tampered := bytes.Clone(enc.CiphertextBlob)
	tampered[len(tampered)-3] ^= 0xff
	_, err = h.client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: tampered, EncryptionContext: ec})
	wantAPIError[*types.InvalidCiphertextException](t, err, "")

	other := h.createKey(t)
	_, err = h.client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec, KeyId: other.KeyId})
	wantAPIError[*types.IncorrectKeyException](t, err, "The key ID in the request does not identify a CMK that can perform this operation.")

	_, err = h.client.Encrypt(ctx, &awskms.EncryptInput{KeyId: m.KeyId, Plaintext: make([]byte, 4097)})
	wantCode(t, err, "ValidationException",
		"1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096")
	_, err = h.client.Encrypt(ctx, &awskms.EncryptInput{KeyId: m.KeyId, Plaintext: []byte("x"), DryRun: aws.Bool(true)})
	wantAPIError[*types.DryRunOperationException](t, err, "The request would have succeeded, but the DryRun option is set.")

	sign, err := h.client.CreateKey(ctx, &awskms.CreateKeyInput{KeySpec: types.KeySpecEccNistP256, KeyUsage: types.KeyUsageTypeSignVerify})
	must(t, err)
	_, err = h.client.Encrypt(ctx, &awskms.EncryptInput{KeyId: sign.KeyMetadata.KeyId, Plaintext: []byte("x")})
	wantAPIError[*types.InvalidKeyUsageException](t, err, aws.ToString(sign.KeyMetadata.Arn)+" key usage is SIGN_VERIFY which is not valid for Encrypt.")

	re, err := h.client.ReEncrypt(ctx, &awskms.ReEncryptInput{
		CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: ec, DestinationKeyId: other.Arn,
	})
	must(t, err)
	if aws.ToString(re.SourceKeyId) != aws.ToString(m.Arn) || aws.ToString(re.KeyId) != aws.ToString(other.Arn) {
		t.Fatalf("ReEncrypt output %+v", re)
	}
	dec, err = h.client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: re.CiphertextBlob})
	must(t, err)
	if string(dec.Plaintext) != "hello, kms" {
		t.Fatalf("after ReEncrypt: %q", dec.Plaintext)
	}
}

func TestAPI_GenerateDataKey(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	m := h.createKey(t)
	ec := map[string]string{"purpose": "sse"}
	dk, err := h.client.GenerateDataKey(ctx, &awskms.GenerateDataKeyInput{KeyId: m.Arn, KeySpec: types.DataKeySpecAes256, EncryptionContext: ec})
	must(t, err)
	if len(dk.Plaintext) != 32 || aws.ToString(dk.KeyId) != aws.ToString(m.Arn) || aws.ToString(dk.KeyMaterialId) == "" {
		t.Fatalf("GenerateDataKey output %+v", dk)
	}
	dec, err := h.client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: dk.CiphertextBlob, EncryptionContext: ec})
	must(t, err)
	if !bytes.Equal(dec.Plaintext, dk.Plaintext) {
		t.Fatal("data key does not round-trip")
	}
	wp, err := h.client.GenerateDataKeyWithoutPlaintext(ctx, &awskms.GenerateDataKeyWithoutPlaintextInput{KeyId: m.KeyId, NumberOfBytes: aws.Int32(64)})
	must(t, err)
	dec, err = h.client.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: wp.CiphertextBlob})
	must(t, err)
	if len(dec.Plaintext) != 64 {
		t.Fatalf("data key of %d bytes", len(dec.Plaintext))
	}
	_, err = h.client.GenerateDataKey(ctx, &awskms.GenerateDataKeyInput{KeyId: m.KeyId})
	wantCode(t, err, "ValidationException", "NumberOfBytes is required.")
}

func TestAPI_KeyStates(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	m := h.createKey(t)
	arn := aws.ToString(m.Arn)

	_, err := h.client.DisableKey(ctx, &awskms.DisableKeyInput{KeyId: m.KeyId})
	must(t, err)
	_, err = h.client.Encrypt(ctx, &awskms.EncryptInput{KeyId: m.KeyId, Plaintext: []byte("x")})
	wantAPIError[*types.DisabledException](t, err, arn+" is disabled.")

	sched, err := h.client.ScheduleKeyDeletion(ctx, &awskms.ScheduleKeyDeletionInput{KeyId: m.KeyId, PendingWindowInDays: aws.Int32(7)})
	must(t, err)
	if aws.ToString(sched.KeyId) != arn || sched.KeyState != types.KeyStatePendingDeletion || aws.ToInt32(sched.PendingWindowInDays) != 7 || sched.DeletionDate == nil {
		t.Fatalf("ScheduleKeyDeletion output %+v", sched)
	}
	_, err = h.client.GenerateDataKey(ctx, &awskms.GenerateDataKeyInput{KeyId: m.KeyId, KeySpec: types.DataKeySpecAes128})
	wantAPIError[*types.KMSInvalidStateException](t, err, arn+" is pending deletion.")
	_, err = h.client.EnableKey(ctx, &awskms.EnableKeyInput{KeyId: m.KeyId})
	wantAPIError[*types.KMSInvalidStateException](t, err, arn+" is pending deletion.")
	d, err := h.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: m.KeyId})
	must(t, err)
	if d.KeyMetadata.DeletionDate == nil || d.KeyMetadata.KeyState != types.KeyStatePendingDeletion {
		t.Fatalf("DescribeKey while pending deletion %+v", d.KeyMetadata)
	}
	_, err = h.client.ScheduleKeyDeletion(ctx, &awskms.ScheduleKeyDeletionInput{KeyId: m.KeyId, PendingWindowInDays: aws.Int32(3)})
	wantCode(t, err, "ValidationException", "PendingWindowInDays should be between 7 and 30, but it is 3")

	c, err := h.client.CancelKeyDeletion(ctx, &awskms.CancelKeyDeletionInput{KeyId: m.KeyId})
	must(t, err)
	if aws.ToString(c.KeyId) != arn {
		t.Fatalf("CancelKeyDeletion KeyId %q", aws.ToString(c.KeyId))
	}
	_, err = h.client.CancelKeyDeletion(ctx, &awskms.CancelKeyDeletionInput{KeyId: m.KeyId})
	wantAPIError[*types.KMSInvalidStateException](t, err, arn+" is not pending deletion.")
	_, err = h.client.EnableKey(ctx, &awskms.EnableKeyInput{KeyId: m.KeyId})
	must(t, err)
	_, err = h.client.Encrypt(ctx, &awskms.EncryptInput{KeyId: m.KeyId, Plaintext: []byte("x")})
	must(t, err)
}

func TestAPI_Aliases(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	k1 := h.createKey(t)
	k2 := h.createKey(t)
	_, err := h.client.CreateAlias(ctx, &awskms.CreateAliasInput{AliasName: aws.String("alias/orders"), TargetKeyId: k1.KeyId})
	must(t, err)
	_, err = h.client.CreateAlias(ctx, &awskms.CreateAliasInput{AliasName: aws.String("alias/orders"), TargetKeyId: k2.KeyId})
	wantAPIError[*types.AlreadyExistsException](t, err, "An alias with the name "+defaultARN+"alias/orders already exists")
	_, err = h.client.CreateAlias(ctx, &awskms.CreateAliasInput{AliasName: aws.String("orders"), TargetKeyId: k2.KeyId})
	wantCode(t, err, "ValidationException", `Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`)

	enc, err := h.client.Encrypt(ctx, &awskms.EncryptInput{KeyId: aws.String("alias/orders"), Plaintext: []byte("by alias")})
	must(t, err)
	if aws.ToString(enc.KeyId) != aws.ToString(k1.Arn) {
		t.Fatalf("encrypted under %s", aws.ToString(enc.KeyId))
	}
	_, err = h.client.UpdateAlias(ctx, &awskms.UpdateAliasInput{AliasName: aws.String("alias/orders"), TargetKeyId: k2.Arn})
	must(t, err)
	d, err := h.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String(defaultARN + "alias/orders")})
	must(t, err)
	if aws.ToString(d.KeyMetadata.KeyId) != aws.ToString(k2.KeyId) {
		t.Fatal("UpdateAlias did not move the alias")
	}
	list, err := h.client.ListAliases(ctx, &awskms.ListAliasesInput{})
	must(t, err)
	if len(list.Aliases) != 1 || aws.ToString(list.Aliases[0].AliasArn) != defaultARN+"alias/orders" ||
		aws.ToString(list.Aliases[0].TargetKeyId) != aws.ToString(k2.KeyId) || list.Aliases[0].CreationDate == nil || list.Truncated {
		t.Fatalf("ListAliases %+v", list)
	}
	_, err = h.client.DeleteAlias(ctx, &awskms.DeleteAliasInput{AliasName: aws.String("alias/orders")})
	must(t, err)
	_, err = h.client.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String("alias/orders")})
	wantAPIError[*types.NotFoundException](t, err, "Alias "+defaultARN+"alias/orders is not found.")
	_, err = h.client.DeleteAlias(ctx, &awskms.DeleteAliasInput{AliasName: aws.String("alias/orders")})
	wantAPIError[*types.NotFoundException](t, err, "Alias "+defaultARN+"alias/orders is not found.")
}

func TestAPI_Grants(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	m := h.createKey(t)
	in := &awskms.CreateGrantInput{
		KeyId:             m.Arn,
		GranteePrincipal:  aws.String("firehose.amazonaws.com"),
		RetiringPrincipal: aws.String("firehose.amazonaws.com"),
		Operations: []types.GrantOperation{types.GrantOperationEncrypt, types.GrantOperationDecrypt,
			types.GrantOperationGenerateDataKey, types.GrantOperationRetireGrant},
		Name: aws.String("stream-orders"),
	}
	g1, err := h.client.CreateGrant(ctx, in)
	must(t, err)
	g2, err := h.client.CreateGrant(ctx, in)
	must(t, err)
	if aws.ToString(g1.GrantId) != aws.ToString(g2.GrantId) || aws.ToString(g1.GrantToken) == aws.ToString(g2.GrantToken) {
		t.Fatalf("named CreateGrant not idempotent: %+v %+v", g1, g2)
	}
	list, err := h.client.ListGrants(ctx, &awskms.ListGrantsInput{KeyId: m.KeyId})
	must(t, err)
	if len(list.Grants) != 1 {
		t.Fatalf("%d grants", len(list.Grants))
	}
	g := list.Grants[0]
	if aws.ToString(g.KeyId) != aws.ToString(m.Arn) || aws.ToString(g.Name) != "stream-orders" ||
		aws.ToString(g.IssuingAccount) != "arn:aws:iam::"+account+":root" || len(g.Operations) != 4 || g.CreationDate == nil {
		t.Fatalf("grant entry %+v", g)
	}
	ret, err := h.client.ListRetirableGrants(ctx, &awskms.ListRetirableGrantsInput{RetiringPrincipal: aws.String("firehose.amazonaws.com")})
	must(t, err)
	if len(ret.Grants) != 1 {
		t.Fatalf("%d retirable grants", len(ret.Grants))
	}
	_, err = h.client.RetireGrant(ctx, &awskms.RetireGrantInput{GrantToken: g2.GrantToken})
	must(t, err)
	_, err = h.client.RetireGrant(ctx, &awskms.RetireGrantInput{GrantToken: aws.String("bogus")})
	wantAPIError[*types.InvalidGrantTokenException](t, err, "")
	_, err = h.client.RevokeGrant(ctx, &awskms.RevokeGrantInput{KeyId: m.KeyId, GrantId: g1.GrantId})
	wantAPIError[*types.InvalidGrantIdException](t, err, "")

	_, err = h.client.DisableKey(ctx, &awskms.DisableKeyInput{KeyId: m.KeyId})
	must(t, err)
	_, err = h.client.CreateGrant(ctx, in)
	wantAPIError[*types.DisabledException](t, err, aws.ToString(m.Arn)+" is disabled.")
	in.DryRun = aws.Bool(true)
	_, err = h.client.EnableKey(ctx, &awskms.EnableKeyInput{KeyId: m.KeyId})
	must(t, err)
	_, err = h.client.CreateGrant(ctx, in)
	wantAPIError[*types.DryRunOperationException](t, err, "")
}

func TestAPI_ListKeysPaginatorTagsPolicy(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	ids := map[string]bool{}
	for range 5 {
		ids[aws.ToString(h.createKey(t).KeyId)] = true
	}
	p := awskms.NewListKeysPaginator(h.client, &awskms.ListKeysInput{Limit: aws.Int32(2)})
	pages, seen := 0, 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		must(t, err)
		pages++
		for _, k := range out.Keys {
			if !ids[aws.ToString(k.KeyId)] {
				t.Fatalf("unexpected key %s", aws.ToString(k.KeyId))
			}
			seen++
		}
	}
	if pages != 3 || seen != 5 {
		t.Fatalf("%d pages, %d keys", pages, seen)
	}
	_, err := h.client.ListKeys(ctx, &awskms.ListKeysInput{Marker: aws.String("nonsense")})
	wantAPIError[*types.InvalidMarkerException](t, err, "")

	var id string
	for k := range ids {
		id = k
		break
	}
	_, err = h.client.TagResource(ctx, &awskms.TagResourceInput{KeyId: aws.String(id), Tags: []types.Tag{
		{TagKey: aws.String("team"), TagValue: aws.String("data")}, {TagKey: aws.String("env"), TagValue: aws.String("prod")},
	}})
	must(t, err)
	_, err = h.client.TagResource(ctx, &awskms.TagResourceInput{KeyId: aws.String(id), Tags: []types.Tag{{TagKey: aws.String("aws:x"), TagValue: aws.String("1")}}})
	wantAPIError[*types.TagException](t, err, "Tags beginning with aws: are reserved")
	_, err = h.client.UntagResource(ctx, &awskms.UntagResourceInput{KeyId: aws.String(id), TagKeys: []string{"env"}})
	must(t, err)
	tags, err := h.client.ListResourceTags(ctx, &awskms.ListResourceTagsInput{KeyId: aws.String(id)})
	must(t, err)
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].TagKey) != "team" || tags.Truncated {
		t.Fatalf("tags %+v", tags.Tags)
	}

	pol, err := h.client.GetKeyPolicy(ctx, &awskms.GetKeyPolicyInput{KeyId: aws.String(id)})
	must(t, err)
	if !strings.Contains(aws.ToString(pol.Policy), `"arn:aws:iam::000000000000:root"`) || aws.ToString(pol.PolicyName) != "default" {
		t.Fatalf("default policy %q", aws.ToString(pol.Policy))
	}
	newPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"kms:*","Resource":"*"}]}`
	_, err = h.client.PutKeyPolicy(ctx, &awskms.PutKeyPolicyInput{KeyId: aws.String(id), Policy: aws.String(newPolicy)})
	must(t, err)
	pol, err = h.client.GetKeyPolicy(ctx, &awskms.GetKeyPolicyInput{KeyId: aws.String(id), PolicyName: aws.String("default")})
	must(t, err)
	if aws.ToString(pol.Policy) != newPolicy {
		t.Fatalf("policy after PutKeyPolicy %q", aws.ToString(pol.Policy))
	}
	_, err = h.client.PutKeyPolicy(ctx, &awskms.PutKeyPolicyInput{KeyId: aws.String(id), Policy: aws.String("{not json")})
	wantAPIError[*types.MalformedPolicyDocumentException](t, err, "")
}

func TestAPI_AccountIsolation(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	m := h.createKey(t)
	enc, err := h.client.Encrypt(ctx, &awskms.EncryptInput{KeyId: m.KeyId, Plaintext: []byte("mine")})
	must(t, err)
	_, err = h.other.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: m.Arn})
	wantAPIError[*types.NotFoundException](t, err, "Key '"+aws.ToString(m.Arn)+"' does not exist")
	_, err = h.other.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: enc.CiphertextBlob})
	wantAPIError[*types.InvalidCiphertextException](t, err, "")
	keys, err := h.other.ListKeys(ctx, &awskms.ListKeysInput{})
	must(t, err)
	if len(keys.Keys) != 0 {
		t.Fatalf("other account lists %d keys", len(keys.Keys))
	}
}

// TestAPI_WireFormat checks what the SDK hides: HTTP status, error headers
// and the JSON members of a reply.
func TestAPI_WireFormat(t *testing.T) {
	h := newHarness(t)
	post := func(op, body string) (*http.Response, string) {
		req, err := http.NewRequest(http.MethodPost, h.url, strings.NewReader(body))
		must(t, err)
		req.Header.Set("X-Amz-Target", "TrentService."+op)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		must(t, err)
		return resp, string(b)
	}
	resp, body := post("DescribeKey", `{"KeyId":"nope"}`)
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("x-amzn-ErrorType") != "NotFoundException" ||
		body != `{"__type":"NotFoundException","message":"Invalid keyId 'nope'"}` {
		t.Fatalf("NotFound reply: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	resp, body = post("CreateKey", `{}`)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"KeyState":"Enabled"`) || !strings.Contains(body, `"Description":""`) ||
		!strings.Contains(body, `"MultiRegion":false`) {
		t.Fatalf("CreateKey reply: %d %s", resp.StatusCode, body)
	}
	resp, body = post("ListAliases", ``)
	if resp.StatusCode != http.StatusOK || body != `{"Aliases":[],"Truncated":false}` {
		t.Fatalf("ListAliases reply: %d %s", resp.StatusCode, body)
	}
	resp, body = post("Decrypt", `{"CiphertextBlob":"AAAA"}`)
	if resp.StatusCode != http.StatusBadRequest || body != `{"__type":"InvalidCiphertextException"}` {
		t.Fatalf("InvalidCiphertext reply: %d %s", resp.StatusCode, body)
	}
	resp, _ = post("Sign", `{}`)
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("x-amzn-ErrorType") != "UnknownOperationException" {
		t.Fatalf("unsupported operation: %d", resp.StatusCode)
	}
}
