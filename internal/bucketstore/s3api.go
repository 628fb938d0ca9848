package bucketstore

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Identify names the account a request acts for (from its SigV4 credential
// scope or access key). An error refuses the request; it should be an
// *Error (ErrAccessDenied) to choose the S3 code.
type Identify func(r *http.Request) (account string, err error)

// Handler serves the store's S3 API, path-style: /<bucket> and
// /<bucket>/<key>.
type Handler struct {
	store    *Store
	identify Identify
	log      *slog.Logger
	region   string
}

// HandlerConfig tunes the S3 API.
type HandlerConfig struct {
	// Region is what GetBucketLocation answers ("" for us-east-1, as S3).
	Region string
}

// NewHandler builds the S3 API over store.
func NewHandler(cfg HandlerConfig, store *Store, identify Identify, log *slog.Logger) *Handler {
	return &Handler{store: store, identify: identify, log: log, region: cfg.Region}
}

const s3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

// Sub-resources this store does not implement; a request naming one gets
// NotImplemented instead of a listing or an object it did not ask for.
var unsupportedBucketQueries = []string{"acl", "policy", "versioning", "versions", "uploads", "tagging", "lifecycle",
	"cors", "website", "logging", "notification", "encryption", "replication", "object-lock", "ownershipControls",
	"publicAccessBlock", "accelerate", "requestPayment", "analytics", "metrics", "inventory", "intelligent-tiering", "delete"}

var unsupportedObjectQueries = []string{"acl", "tagging", "uploadId", "uploads", "attributes", "retention", "legal-hold", "torrent", "restore", "select"}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := newRequestID()
	w.Header().Set("x-amz-request-id", reqID)
	w.Header().Set("Server", "Sluice")
	account, err := h.identify(r)
	if err != nil {
		h.fail(w, r, reqID, err, "")
		return
	}
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	q := r.URL.Query()
	switch {
	case bucket == "":
		if r.Method != http.MethodGet {
			h.fail(w, r, reqID, ErrMethodNotAllowed, "")
			return
		}
		h.listBuckets(w, r, reqID, account)
	case key == "":
		h.bucketRequest(w, r, reqID, account, bucket, q)
	default:
		if hasAny(q, unsupportedObjectQueries) {
			h.fail(w, r, reqID, ErrNotImplemented, bucket+"/"+key)
			return
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			h.getObject(w, r, reqID, account, bucket, key)
		case http.MethodDelete:
			if err := h.store.DeleteObject(account, bucket, key); err != nil {
				h.fail(w, r, reqID, err, bucket+"/"+key)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		case http.MethodPut, http.MethodPost:
			// Writing is the delivery runner's job; the API is for reading.
			h.fail(w, r, reqID, ErrNotImplemented, bucket+"/"+key)
		default:
			h.fail(w, r, reqID, ErrMethodNotAllowed, bucket+"/"+key)
		}
	}
}

func hasAny(q url.Values, names []string) bool {
	for _, n := range names {
		if q.Has(n) {
			return true
		}
	}
	return false
}

func (h *Handler) bucketRequest(w http.ResponseWriter, r *http.Request, reqID, account, bucket string, q url.Values) {
	if hasAny(q, unsupportedBucketQueries) {
		h.fail(w, r, reqID, ErrNotImplemented, bucket)
		return
	}
	switch r.Method {
	case http.MethodGet:
		if q.Has("location") {
			if err := h.store.HeadBucket(account, bucket); err != nil {
				h.fail(w, r, reqID, err, bucket)
				return
			}
			region := h.region
			if region == "us-east-1" {
				region = ""
			}
			writeXML(w, http.StatusOK, locationConstraint{XMLNS: s3Namespace, Region: region})
			return
		}
		h.listObjects(w, r, reqID, account, bucket, q)
	case http.MethodHead:
		if err := h.store.HeadBucket(account, bucket); err != nil {
			h.fail(w, r, reqID, err, bucket)
			return
		}
		w.WriteHeader(http.StatusOK)
	case http.MethodPut:
		// The body may carry a CreateBucketConfiguration; the store has
		// one location, so it is read and ignored.
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 64<<10))
		if err := h.store.CreateBucket(account, bucket); err != nil {
			h.fail(w, r, reqID, err, bucket)
			return
		}
		w.Header().Set("Location", "/"+bucket)
		w.WriteHeader(http.StatusOK)
	case http.MethodDelete:
		if err := h.store.DeleteBucket(account, bucket); err != nil {
			h.fail(w, r, reqID, err, bucket)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		h.fail(w, r, reqID, ErrMethodNotAllowed, bucket)
	}
}

func (h *Handler) listBuckets(w http.ResponseWriter, r *http.Request, reqID, account string) {
	buckets, err := h.store.ListBuckets(account)
	if err != nil {
		h.fail(w, r, reqID, err, "")
		return
	}
	out := listAllMyBucketsResult{XMLNS: s3Namespace, Owner: owner{ID: account, DisplayName: account}}
	for _, b := range buckets {
		out.Buckets = append(out.Buckets, bucketXML{Name: b.Name, CreationDate: isoTime(b.Created)})
	}
	writeXML(w, http.StatusOK, out)
}

func (h *Handler) listObjects(w http.ResponseWriter, r *http.Request, reqID, account, bucket string, q url.Values) {
	v2 := q.Get("list-type") == "2"
	maxKeys := 1000
	if s := q.Get("max-keys"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			h.fail(w, r, reqID, &Error{"InvalidArgument", http.StatusBadRequest, "Provided max-keys not an integer or within integer range"}, bucket)
			return
		}
		maxKeys = min(n, 1000)
	}
	encodeURL := false
	switch q.Get("encoding-type") {
	case "":
	case "url":
		encodeURL = true
	default:
		h.fail(w, r, reqID, &Error{"InvalidArgument", http.StatusBadRequest, "Invalid Encoding Method specified in Request"}, bucket)
		return
	}
	opts := ListOptions{Prefix: q.Get("prefix"), Delimiter: q.Get("delimiter"), MaxKeys: maxKeys}
	token := q.Get("continuation-token")
	switch {
	case v2 && token != "":
		after, isPrefix, ok := decodeToken(token)
		if !ok {
			h.fail(w, r, reqID, &Error{"InvalidArgument", http.StatusBadRequest, "The continuation token provided is incorrect"}, bucket)
			return
		}
		opts.After, opts.AfterIsPrefix = after, isPrefix
	case v2:
		opts.After = q.Get("start-after")
	default:
		opts.After = q.Get("marker")
	}
	res, err := h.store.List(account, bucket, opts)
	if err != nil {
		h.fail(w, r, reqID, err, bucket)
		return
	}
	enc := func(s string) string {
		if encodeURL {
			return url.QueryEscape(s)
		}
		return s
	}
	out := listBucketResult{
		XMLNS: s3Namespace, Name: bucket, Prefix: enc(opts.Prefix), MaxKeys: maxKeys,
		IsTruncated: res.Truncated,
	}
	if opts.Delimiter != "" {
		d := enc(opts.Delimiter)
		out.Delimiter = &d
	}
	if encodeURL {
		e := "url"
		out.EncodingType = &e
	}
	for _, o := range res.Objects {
		c := contents{Key: enc(o.Key), LastModified: isoTime(o.ModTime), ETag: o.ETag, Size: o.Size, StorageClass: "STANDARD"}
		if !v2 || q.Get("fetch-owner") == "true" {
			c.Owner = &owner{ID: account, DisplayName: account}
		}
		out.Contents = append(out.Contents, c)
	}
	for _, p := range res.CommonPrefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, commonPrefix{Prefix: enc(p)})
	}
	if v2 {
		kc := len(res.Objects) + len(res.CommonPrefixes)
		out.KeyCount = &kc
		if token != "" {
			out.ContinuationToken = &token
		}
		if sa := q.Get("start-after"); sa != "" {
			sa = enc(sa)
			out.StartAfter = &sa
		}
		if res.Truncated {
			next := encodeToken(res.LastItem, res.LastIsPrefix)
			out.NextContinuationToken = &next
		}
	} else {
		m := enc(opts.After)
		out.Marker = &m
		// S3 sends NextMarker only with a delimiter; clients use the last
		// key otherwise. Sending it always is harmless and simpler.
		if res.Truncated {
			nm := enc(res.LastItem)
			out.NextMarker = &nm
		}
	}
	writeXML(w, http.StatusOK, out)
}

func (h *Handler) getObject(w http.ResponseWriter, r *http.Request, reqID, account, bucket, key string) {
	f, info, err := h.store.OpenObject(account, bucket, key)
	if err != nil {
		h.fail(w, r, reqID, err, bucket+"/"+key)
		return
	}
	defer f.Close()
	hdr := w.Header()
	hdr.Set("ETag", info.ETag)
	hdr.Set("Content-Type", "application/octet-stream")
	hdr.Set("Accept-Ranges", "bytes")
	// ServeContent implements Range (206 with Content-Range),
	// conditional requests against ETag and Last-Modified, and HEAD.
	http.ServeContent(w, r, "", info.ModTime, f)
}

// fail writes an S3 error. HEAD responses carry no body.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, reqID string, err error, resource string) {
	var s3err *Error
	if !errors.As(err, &s3err) {
		h.log.Error("bucket store request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		s3err = ErrInternal
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(s3err.Status)
		return
	}
	writeXML(w, s3err.Status, errorXML{Code: s3err.Code, Message: s3err.Message, Resource: "/" + resource, RequestID: reqID})
}

func writeXML(w http.ResponseWriter, status int, v any) {
	body, err := xml.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(xml.Header)+len(body)))
	w.WriteHeader(status)
	_, _ = io.WriteString(w, xml.Header)
	_, _ = w.Write(body)
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// Continuation tokens are opaque to clients: the last item of the page and
// whether it was a common prefix.
func encodeToken(last string, isPrefix bool) string {
	kind := "k"
	if isPrefix {
		kind = "p"
	}
	return base64.RawURLEncoding.EncodeToString([]byte(kind + last))
}

func decodeToken(tok string) (string, bool, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) == 0 || (raw[0] != 'k' && raw[0] != 'p') {
		return "", false, false
	}
	return string(raw[1:]), raw[0] == 'p', true
}

type errorXML struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	Resource  string   `xml:"Resource,omitempty"`
	RequestID string   `xml:"RequestId"`
}

type owner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName"`
}

type bucketXML struct {
	Name         string `xml:"Name"`
	CreationDate string `xml:"CreationDate"`
}

type listAllMyBucketsResult struct {
	XMLName xml.Name    `xml:"ListAllMyBucketsResult"`
	XMLNS   string      `xml:"xmlns,attr"`
	Owner   owner       `xml:"Owner"`
	Buckets []bucketXML `xml:"Buckets>Bucket"`
}

type locationConstraint struct {
	XMLName xml.Name `xml:"LocationConstraint"`
	XMLNS   string   `xml:"xmlns,attr"`
	Region  string   `xml:",chardata"`
}

type contents struct {
	Key          string `xml:"Key"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
	Owner        *owner `xml:"Owner,omitempty"`
	StorageClass string `xml:"StorageClass"`
}

type commonPrefix struct {
	Prefix string `xml:"Prefix"`
}

type listBucketResult struct {
	XMLName               xml.Name       `xml:"ListBucketResult"`
	XMLNS                 string         `xml:"xmlns,attr"`
	Name                  string         `xml:"Name"`
	Prefix                string         `xml:"Prefix"`
	Marker                *string        `xml:"Marker,omitempty"`
	NextMarker            *string        `xml:"NextMarker,omitempty"`
	KeyCount              *int           `xml:"KeyCount,omitempty"`
	MaxKeys               int            `xml:"MaxKeys"`
	Delimiter             *string        `xml:"Delimiter,omitempty"`
	IsTruncated           bool           `xml:"IsTruncated"`
	ContinuationToken     *string        `xml:"ContinuationToken,omitempty"`
	NextContinuationToken *string        `xml:"NextContinuationToken,omitempty"`
	StartAfter            *string        `xml:"StartAfter,omitempty"`
	EncodingType          *string        `xml:"EncodingType,omitempty"`
	Contents              []contents     `xml:"Contents"`
	CommonPrefixes        []commonPrefix `xml:"CommonPrefixes"`
}
