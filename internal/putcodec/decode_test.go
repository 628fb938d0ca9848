package putcodec_test

import (
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicehq/sluice/internal/putcodec"
)

type decodeCase struct {
	name   string
	body   string
	wantOK bool
}

// batchCases: wantOK=true cases must also decode exactly as encoding/json
// does; wantOK=false cases are left to the fallback (some are valid JSON the
// fast path deliberately declines).
var batchCases = []decodeCase{
	// The shapes SDKs send.
	{"compact", `{"DeliveryStreamName":"s1","Records":[{"Data":"aGVsbG8K"},{"Data":""}]}`, true},
	{"botocore spacing", `{"DeliveryStreamName": "s1", "Records": [{"Data": "aGVsbG8K"}, {"Data": ""}]}`, true},
	{"reversed key order", `{"Records":[{"Data":"QQ=="}],"DeliveryStreamName":"s1"}`, true},
	{"all whitespace kinds", " \r\n\t{ \"DeliveryStreamName\"\t:\r\"s\" ,\n \"Records\" : [ { \"Data\" : \"QUI=\" } ,\n{\"Data\":\"QUJD\"}\t] }\n ", true},
	{"padding one", `{"Records":[{"Data":"QUI="}]}`, true},
	{"padding two", `{"Records":[{"Data":"QQ=="}]}`, true},
	{"non-zero pad bits one", `{"Records":[{"Data":"QR=="}]}`, true},
	{"non-zero pad bits two", `{"Records":[{"Data":"QUJ="}]}`, true},
	{"long aligned", `{"Records":[{"Data":"` + strings.Repeat("QUJD", 100) + `"}]}`, true},
	{"long padded", `{"Records":[{"Data":"` + strings.Repeat("QUJD", 99) + `QQ=="}]}`, true},
	{"unicode stream name", `{"DeliveryStreamName":"ストリーム","Records":[]}`, true},

	// Members the fast path must skip exactly.
	{"unknown scalars", `{"A":1,"B":-0.5e+10,"C":true,"D":false,"E":null,"F":"x","G":0,"H":1E-2,"DeliveryStreamName":"s","Records":[{"Data":"QQ=="}]}`, true},
	{"unknown nested", `{"X":{"a":[1,{"b":"\"}]\\"}],"c":null,"d":{}},"Y":[[],[[]],{}],"Records":[{"Data":"QQ=="}]}`, true},
	{"unknown string escapes", `{"X":"\u00e9\ud83d\ude00\n\t\/\b\f\r\"","Records":[]}`, true},
	{"unknown string raw utf8 and invalid utf8", "{\"X\":\"é\xff\",\"Records\":[]}", true},
	{"unknown record members", `{"Records":[{"PartitionKey":"pk","Data":"QQ==","Extra":{"Data":"ignored"}}]}`, true},
	{"Record is unknown in a batch", `{"Record":{"Data":"QQ=="},"Records":[]}`, true},
	{"prefix of a known name", `{"Record":1,"DeliveryStream":2,"Records":[{"Dat":3,"Datas":4}]}`, true},

	// Escapes inside base64, which some JSON encoders emit.
	{"escaped slash", `{"Records":[{"Data":"Lys\/Lys\/"}]}`, true},
	{"unicode escape", `{"Records":[{"Data":"\u0051Q=="}]}`, true},
	{"escaped newline ignored by base64", `{"Records":[{"Data":"QUJD\nREVG"}]}`, true},
	{"escaped CRLF after padding", `{"Records":[{"Data":"QQ==\r\n"}]}`, true},

	// null and empty.
	{"empty object", `{}`, true},
	{"null name", `{"DeliveryStreamName":null,"Records":[{"Data":"QQ=="}]}`, true},
	{"null records", `{"DeliveryStreamName":"s","Records":null}`, true},
	{"empty records", `{"DeliveryStreamName":"s","Records":[]}`, true},
	{"null data", `{"Records":[{"Data":null}]}`, true},
	{"empty record", `{"Records":[{}]}`, true},
	{"null element", `{"Records":[null,{"Data":"QQ=="},null]}`, true},
	{"empty name", `{"DeliveryStreamName":"","Records":[]}`, true},

	// Invalid JSON.
	{"empty body", ``, false},
	{"whitespace body", ` `, false},
	{"top-level null", `null`, false},
	{"top-level array", `[]`, false},
	{"top-level string", `"s"`, false},
	{"truncated", `{"Records":[{"Data":"QQ=="}`, false},
	{"truncated in base64", `{"Records":[{"Data":"QUJD`, false},
	{"trailing comma in object", `{"Records":[],}`, false},
	{"trailing comma in array", `{"Records":[{"Data":"QQ=="},]}`, false},
	{"trailing garbage", `{"Records":[]}x`, false},
	{"two objects", `{}{}`, false},
	{"missing colon", `{"Records" []}`, false},
	{"missing comma", `{"A":1 "Records":[]}`, false},
	{"single quotes", `{'Records':[]}`, false},
	{"raw newline in base64", "{\"Records\":[{\"Data\":\"QUJD\nREVG\"}]}", false},
	{"raw tab in unknown string", "{\"X\":\"a\tb\",\"Records\":[]}", false},
	{"bad escape", `{"X":"\x","Records":[]}`, false},
	{"bad unicode escape", `{"X":"\u12G4","Records":[]}`, false},
	{"leading zero", `{"X":01,"Records":[]}`, false},
	{"bare minus", `{"X":-,"Records":[]}`, false},
	{"dot without digits", `{"X":1.,"Records":[]}`, false},
	{"exponent without digits", `{"X":1e,"Records":[]}`, false},
	{"plus sign", `{"X":+1,"Records":[]}`, false},
	{"bad literal", `{"X":tru,"Records":[]}`, false},
	{"null prefix", `{"Records":nul}`, false},
	{"unterminated unknown", `{"X":[1,2`, false},
	{"object key not string", `{"X":{1:2},"Records":[]}`, false},

	// Wrong types: encoding/json reports an error, so the caller must see it.
	{"name number", `{"DeliveryStreamName":5,"Records":[]}`, false},
	{"name object", `{"DeliveryStreamName":{},"Records":[]}`, false},
	{"records object", `{"Records":{}}`, false},
	{"records string", `{"Records":"QQ=="}`, false},
	{"record number", `{"Records":[1]}`, false},
	{"record array", `{"Records":[[]]}`, false},
	{"data number", `{"Records":[{"Data":5}]}`, false},
	{"data bool", `{"Records":[{"Data":true}]}`, false},
	{"data array", `{"Records":[{"Data":[1]}]}`, false},

	// Invalid base64.
	{"short quantum", `{"Records":[{"Data":"QQ="}]}`, false},
	{"unpadded", `{"Records":[{"Data":"QQ"}]}`, false},
	{"three pads", `{"Records":[{"Data":"Q==="}]}`, false},
	{"data after padding", `{"Records":[{"Data":"QQ==QQ=="}]}`, false},
	{"bad characters", `{"Records":[{"Data":"!!!!"}]}`, false},
	{"url alphabet", `{"Records":[{"Data":"-_-_"}]}`, false},
	{"space inside", `{"Records":[{"Data":"QQ== "}]}`, false},
	{"non-ASCII", `{"Records":[{"Data":"Q\u00e9=="}]}`, false},
	{"raw non-ASCII", `{"Records":[{"Data":"Qé=="}]}`, false},

	// Valid JSON the fast path declines by design.
	{"duplicate name", `{"DeliveryStreamName":"a","DeliveryStreamName":"b","Records":[]}`, false},
	{"duplicate records", `{"Records":[],"Records":[]}`, false},
	{"duplicate data", `{"Records":[{"Data":"QQ==","Data":"QQ=="}]}`, false},
	{"lower-case name", `{"deliverystreamname":"s","Records":[]}`, false},
	{"lower-case records", `{"records":[]}`, false},
	{"upper-case data", `{"Records":[{"DATA":"QQ=="}]}`, false},
	{"escaped key", `{"Records":[{"Dat\u0061":"QQ=="}]}`, false},
	{"unicode-folded key", `{"Recordſ":[]}`, false},
	{"escaped stream name", `{"DeliveryStreamName":"s\u0031","Records":[]}`, false},
	{"invalid utf8 stream name", "{\"DeliveryStreamName\":\"s\xff\",\"Records\":[]}", false},
	{"deep unknown", `{"X":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `,"Records":[]}`, false},
}

var putCases = []decodeCase{
	{"compact", `{"DeliveryStreamName":"s1","Record":{"Data":"aGVsbG8K"}}`, true},
	{"botocore spacing", `{"DeliveryStreamName": "s1", "Record": {"Data": "aGVsbG8K"}}`, true},
	{"reversed", `{"Record":{"Data":""},"DeliveryStreamName":"s1"}`, true},
	{"null record", `{"DeliveryStreamName":"s1","Record":null}`, true},
	{"empty record", `{"DeliveryStreamName":"s1","Record":{}}`, true},
	{"null data", `{"Record":{"Data":null}}`, true},
	{"missing record", `{"DeliveryStreamName":"s1"}`, true},
	{"Records is unknown in a put", `{"Records":[{"Data":"QQ=="}],"Record":{"Data":"QQ=="}}`, true},
	{"unknown members", `{"X":[{"y":"\""}],"Record":{"Z":1,"Data":"Lys\/"}}`, true},
	{"empty object", `{}`, true},
	{"record array", `{"Record":[]}`, false},
	{"record string", `{"Record":"QQ=="}`, false},
	{"duplicate record", `{"Record":{},"Record":{}}`, false},
	{"lower-case record", `{"record":{}}`, false},
	{"bad base64", `{"Record":{"Data":"QQ="}}`, false},
	{"trailing garbage", `{"Record":{}} ]`, false},
	{"truncated", `{"Record":{"Data":"QQ=="}`, false},
}

func TestDecodeBatch(t *testing.T) {
	var reused putcodec.BatchRequest // one dst across cases checks reuse
	for _, tc := range batchCases {
		t.Run(tc.name, func(t *testing.T) {
			var fresh putcodec.BatchRequest
			for _, dst := range []*putcodec.BatchRequest{&fresh, &reused} {
				ok := putcodec.DecodeBatch([]byte(tc.body), dst)
				if ok != tc.wantOK {
					t.Fatalf("ok = %v, want %v", ok, tc.wantOK)
				}
				if ok {
					if d := diffBatch([]byte(tc.body), dst); d != "" {
						t.Fatal(d)
					}
				}
			}
		})
	}
}

func TestDecodePut(t *testing.T) {
	var reused putcodec.PutRequest
	for _, tc := range putCases {
		t.Run(tc.name, func(t *testing.T) {
			var fresh putcodec.PutRequest
			for _, dst := range []*putcodec.PutRequest{&fresh, &reused} {
				ok := putcodec.DecodePut([]byte(tc.body), dst)
				if ok != tc.wantOK {
					t.Fatalf("ok = %v, want %v", ok, tc.wantOK)
				}
				if ok {
					if d := diffPut([]byte(tc.body), dst); d != "" {
						t.Fatal(d)
					}
				}
			}
		})
	}
}

// TestDecodeCaptured decodes the bodies captured from botocore, the JS SDK v3
// and aws-sdk-go-v2 (see testdata/README.md): all must take the fast path.
func TestDecodeCaptured(t *testing.T) {
	wantData := [][]byte{[]byte("hello\n"), {}, {0xff, 0x00, 0xfe}, []byte(strings.Repeat("/+?", 100))}
	for _, sdk := range []string{"gov2", "botocore", "jsv3"} {
		t.Run(sdk, func(t *testing.T) {
			batch, err := os.ReadFile(filepath.Join("testdata", sdk+"_batch.json"))
			must(t, err)
			var br putcodec.BatchRequest
			if !putcodec.DecodeBatch(batch, &br) {
				t.Fatalf("fast path declined %s", batch)
			}
			if d := diffBatch(batch, &br); d != "" {
				t.Fatal(d)
			}
			if len(br.Records) != len(wantData) || *br.StreamName != "s1" {
				t.Fatalf("got %d records for stream %q", len(br.Records), *br.StreamName)
			}
			for i, r := range br.Records {
				if string(r.Data) != string(wantData[i]) {
					t.Errorf("record %d = %q, want %q", i, r.Data, wantData[i])
				}
			}
			put, err := os.ReadFile(filepath.Join("testdata", sdk+"_put.json"))
			must(t, err)
			var pr putcodec.PutRequest
			if !putcodec.DecodePut(put, &pr) {
				t.Fatalf("fast path declined %s", put)
			}
			if d := diffPut(put, &pr); d != "" {
				t.Fatal(d)
			}
		})
	}
}

// TestDecodeBatchGenerated builds random well-formed bodies in the shapes
// clients produce (member order, whitespace, unknown members, nulls, escaped
// slashes) and requires the fast path to take every one and agree with
// encoding/json. The fuzz tests cover the other direction.
func TestDecodeBatchGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var dst putcodec.BatchRequest
	for range 2000 {
		body := genBatch(rng)
		if !putcodec.DecodeBatch(body, &dst) {
			t.Fatalf("fast path declined %s", body)
		}
		if d := diffBatch(body, &dst); d != "" {
			t.Fatalf("%s\nbody: %s", d, body)
		}
	}
}

func genBatch(rng *rand.Rand) []byte {
	ws := func() string { return []string{"", "", " ", "\n  ", "\t", "\r\n"}[rng.IntN(6)] }
	unknown := func() string {
		return []string{`1`, `"x\"y"`, `{"Data":"!!"}`, `[null,true,{"a":[]}]`, `-1.5e3`, `null`}[rng.IntN(6)]
	}
	var members []string
	if rng.IntN(8) > 0 {
		members = append(members, `"DeliveryStreamName":`+ws()+[]string{`"s1"`, `null`, `""`}[rng.IntN(3)])
	}
	if rng.IntN(8) > 0 {
		var recs []string
		for range rng.IntN(20) {
			if rng.IntN(20) == 0 {
				recs = append(recs, "null")
				continue
			}
			var fields []string
			if rng.IntN(10) > 0 {
				data := make([]byte, rng.IntN(200))
				for i := range data {
					data[i] = byte(rng.Uint32())
				}
				enc := base64.StdEncoding.EncodeToString(data)
				if rng.IntN(4) == 0 {
					enc = strings.ReplaceAll(enc, "/", `\/`)
				}
				fields = append(fields, `"Data"`+ws()+":"+ws()+`"`+enc+`"`)
			}
			if rng.IntN(4) == 0 {
				fields = append(fields, `"Other":`+unknown())
			}
			rng.Shuffle(len(fields), func(i, j int) { fields[i], fields[j] = fields[j], fields[i] })
			recs = append(recs, "{"+ws()+strings.Join(fields, ","+ws())+ws()+"}")
		}
		members = append(members, `"Records":`+ws()+"["+ws()+strings.Join(recs, ws()+","+ws())+ws()+"]")
	}
	for range rng.IntN(3) {
		members = append(members, `"Unknown`+string(rune('A'+rng.IntN(26)))+`":`+ws()+unknown())
	}
	rng.Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
	// Unknown member names may repeat; encoding/json ignores them either way.
	return []byte(ws() + "{" + ws() + strings.Join(members, ws()+","+ws()) + ws() + "}" + ws())
}

// TestBase64MatchesStd checks the decoder against encoding/base64 on every
// short string over an alphabet of interesting characters, which covers each
// position of padding and of invalid bytes in the final quanta.
func TestBase64MatchesStd(t *testing.T) {
	const alphabet = "A/+z=9_\n!"
	var dst putcodec.BatchRequest
	var gen func(prefix string, n int)
	gen = func(prefix string, n int) {
		for _, s := range []string{prefix, "QUJDREVG" + prefix} {
			want, err := base64.StdEncoding.DecodeString(s)
			quoted := strconvQuote(s)
			for _, q := range []string{quoted, strings.ReplaceAll(quoted, "/", `\/`)} {
				body := `{"Records":[{"Data":` + q + `}]}`
				ok := putcodec.DecodeBatch([]byte(body), &dst)
				if ok != (err == nil) {
					t.Fatalf("%s: ok=%v, encoding/base64 err=%v", q, ok, err)
				}
				if ok && string(dst.Records[0].Data) != string(want) {
					t.Fatalf("%s: got %x, want %x", q, dst.Records[0].Data, want)
				}
			}
		}
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			gen(prefix+string(c), n-1)
		}
	}
	gen("", 5)
}

// strconvQuote quotes s as JSON would (newlines become \n, which encoding/json
// unquotes and base64 then ignores).
func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
