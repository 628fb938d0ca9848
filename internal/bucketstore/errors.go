package bucketstore

import "net/http"

// Error is an S3 error: the code and HTTP status S3 answers with, and its
// standard message. Store methods wrap one of the values below with the
// bucket and key; the HTTP layer finds it with errors.As.
type Error struct {
	Code    string
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// ErrorCode lets the delivery runner name the failure in logs without
// knowing this package (destination.ErrorCode).
func (e *Error) ErrorCode() string { return e.Code }

// The S3 errors the store and its API produce, with S3's own texts.
var (
	ErrNoSuchBucket            = &Error{"NoSuchBucket", http.StatusNotFound, "The specified bucket does not exist"}
	ErrNoSuchKey               = &Error{"NoSuchKey", http.StatusNotFound, "The specified key does not exist."}
	ErrInvalidBucketName       = &Error{"InvalidBucketName", http.StatusBadRequest, "The specified bucket is not valid."}
	ErrKeyTooLong              = &Error{"KeyTooLongError", http.StatusBadRequest, "Your key is too long"}
	ErrInvalidKey              = &Error{"InvalidArgument", http.StatusBadRequest, "This object key cannot be stored by the built-in bucket store (empty, \".\" or \"..\" path segments, NUL bytes, or segments over 255 bytes)."}
	ErrKeyConflict             = &Error{"InvalidArgument", http.StatusConflict, "The built-in bucket store cannot hold both an object and other keys under it as a folder (\"a\" and \"a/b\")."}
	ErrBucketNotEmpty          = &Error{"BucketNotEmpty", http.StatusConflict, "The bucket you tried to delete is not empty"}
	ErrBucketAlreadyOwnedByYou = &Error{"BucketAlreadyOwnedByYou", http.StatusConflict, "Your previous request to create the named bucket succeeded and you already own it."}
	ErrInvalidArgument         = &Error{"InvalidArgument", http.StatusBadRequest, "Invalid Argument"}
	ErrInvalidRange            = &Error{"InvalidRange", http.StatusRequestedRangeNotSatisfiable, "The requested range is not satisfiable"}
	ErrAccessDenied            = &Error{"AccessDenied", http.StatusForbidden, "Access Denied"}
	ErrNotImplemented          = &Error{"NotImplemented", http.StatusNotImplemented, "A header you provided implies functionality that is not implemented"}
	ErrMethodNotAllowed        = &Error{"MethodNotAllowed", http.StatusMethodNotAllowed, "The specified method is not allowed against this resource."}
	ErrInternal                = &Error{"InternalError", http.StatusInternalServerError, "We encountered an internal error. Please try again."}
)
