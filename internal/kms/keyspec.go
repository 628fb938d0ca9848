package kms

// specInfo is what a KeySpec allows and which algorithms its keys list in
// their metadata.
type specInfo struct {
	usages     []string
	encryption []string
	signing    []string
	mac        []string
	agreement  []string
}

// specInfoFor is the KMS table of key specs (developer guide, "Key spec
// reference"). Only SYMMETRIC_DEFAULT keys get key material in Sluice; the
// others can be created, described and managed but not used.
func specInfoFor(spec string) (specInfo, bool) {
	rsaSign := []string{
		"RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512",
		"RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512",
	}
	switch spec {
	case KeySpecSymmetricDefault:
		return specInfo{usages: []string{KeyUsageEncryptDecrypt}, encryption: []string{AlgorithmSymmetricDefault}}, true
	case "RSA_2048", "RSA_3072", "RSA_4096":
		return specInfo{
			usages:     []string{KeyUsageEncryptDecrypt, KeyUsageSignVerify},
			encryption: []string{"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"},
			signing:    rsaSign,
		}, true
	case "ECC_NIST_P256":
		return eccInfo("ECDSA_SHA_256", true), true
	case "ECC_NIST_P384":
		return eccInfo("ECDSA_SHA_384", true), true
	case "ECC_NIST_P521":
		return eccInfo("ECDSA_SHA_512", true), true
	case "ECC_SECG_P256K1":
		return eccInfo("ECDSA_SHA_256", false), true
	case "ECC_NIST_EDWARDS25519":
		return specInfo{usages: []string{KeyUsageSignVerify}, signing: []string{"ED25519_SHA_512", "ED25519_PH_SHA_512"}}, true
	case "ML_DSA_44", "ML_DSA_65", "ML_DSA_87":
		return specInfo{usages: []string{KeyUsageSignVerify}, signing: []string{"ML_DSA_SHAKE_256"}}, true
	case "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512":
		return specInfo{usages: []string{KeyUsageGenerateVerifyMAC}, mac: []string{"HMAC_SHA_" + spec[len("HMAC_"):]}}, true
	case "SM2":
		return specInfo{
			usages:     []string{KeyUsageEncryptDecrypt, KeyUsageSignVerify, KeyUsageKeyAgreement},
			encryption: []string{"SM2PKE"},
			signing:    []string{"SM2DSA"},
			agreement:  []string{"ECDH"},
		}, true
	}
	return specInfo{}, false
}

func eccInfo(signing string, agreement bool) specInfo {
	info := specInfo{usages: []string{KeyUsageSignVerify}, signing: []string{signing}}
	if agreement {
		info.usages = append(info.usages, KeyUsageKeyAgreement)
		info.agreement = []string{"ECDH"}
	}
	return info
}

func (i specInfo) allows(usage string) bool {
	for _, u := range i.usages {
		if u == usage {
			return true
		}
	}
	return false
}

// grantOperationsFor lists the grant operations KMS accepts for a key of
// this spec and usage; CreateGrant refuses any other.
func grantOperationsFor(spec, usage string) []string {
	common := []string{"CreateGrant", "RetireGrant", "DescribeKey"}
	switch usage {
	case KeyUsageEncryptDecrypt:
		if spec == KeySpecSymmetricDefault {
			return append(common, "Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
				"ReEncryptFrom", "ReEncryptTo", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext")
		}
		return append(common, "Decrypt", "Encrypt", "ReEncryptFrom", "ReEncryptTo", "GetPublicKey")
	case KeyUsageSignVerify:
		return append(common, "Sign", "Verify", "GetPublicKey")
	case KeyUsageGenerateVerifyMAC:
		return append(common, "GenerateMac", "VerifyMac")
	case KeyUsageKeyAgreement:
		return append(common, "DeriveSharedSecret", "GetPublicKey")
	}
	return common
}

// keyClass groups specs the way UpdateAlias compares them: an alias may only
// move between keys of the same class and usage.
func keyClass(spec string) string {
	switch {
	case spec == KeySpecSymmetricDefault:
		return "symmetric"
	case len(spec) > 5 && spec[:5] == "HMAC_":
		return "hmac"
	default:
		return "asymmetric"
	}
}
