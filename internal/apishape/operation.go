package apishape

// Input is implemented by every generated operation input structure.
type Input interface {
	// Validate checks the whole input against the model's constraints and
	// returns nil or a *ValidationError.
	Validate() error
}

// Operation describes one operation of a service model. The generated
// packages list them in a package-level Operations slice, in model order.
type Operation struct {
	// Name is the operation name as it appears after the target prefix in
	// X-Amz-Target (e.g. "PutRecord").
	Name string
	// InputShape and OutputShape are the model shape names; OutputShape is
	// empty when the operation returns no members (the reply body is {}).
	InputShape  string
	OutputShape string
	// NewInput returns a new, empty input structure (a pointer) ready for
	// json.Unmarshal.
	NewInput func() Input
	// NewOutput returns a new, empty output structure (a pointer), or is nil
	// when OutputShape is empty.
	NewOutput func() any
	// Errors lists the modeled error codes of the operation, in model order.
	Errors []string
}

// ErrorShape is one exception shape of a service model.
type ErrorShape struct {
	// Code is the shape name, which is also the wire __type.
	Code string
	// Fault is true for server-side errors (the model's "fault" trait);
	// false means the caller is at fault.
	Fault bool
}

// Ptr returns a pointer to a copy of v. Generated structures use pointers for
// every scalar member so that absence is distinguishable from the zero value;
// Ptr keeps literals short: &firehosemodel.BufferingHints{SizeInMBs: apishape.Ptr[int32](5)}.
func Ptr[T any](v T) *T { return &v }

// Deref returns *p, or the zero value of T when p is nil.
func Deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}
