package cumulus

import (
	"errors"
	"fmt"
)

// Kind classifies an error so the HTTP layer can choose a status without
// looking at text.
type Kind uint8

// The kinds of error. Each maps to one HTTP status in httpapi.
const (
	Internal     Kind = iota // 500: a bug or a failing engine; its text is never shown
	Invalid                  // 400: the request is malformed or refers to bad values
	Unauthorized             // 401: missing or wrong credentials or signature
	Forbidden                // 403: authenticated but not allowed
	NotFound                 // 404
	Conflict                 // 409: the target already exists
	TooLarge                 // 413: the body or the image exceeds a limit
	RateLimited              // 420: Cloudinary's status for rate limits
	Unavailable              // 503: overloaded; try again later
)

var kindNames = [...]string{"internal", "invalid", "unauthorized", "forbidden", "not found", "conflict", "too large", "rate limited", "unavailable"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Error is the one error type that crosses package boundaries. Message is
// what a client may read (Cloudinary's wording); Err is the internal cause,
// logged but never shown.
type Error struct {
	Kind    Kind
	Op      string // the operation that failed, e.g. "upload" or "sqlite.AddVersion"
	Message string // public text; empty means a generic one for the kind
	Err     error  // internal cause, may be nil
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = e.Kind.String()
	}
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Op, msg, e.Err)
	}
	return e.Op + ": " + msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a public message in Cloudinary's wording.
func Errorf(kind Kind, op, format string, args ...any) *Error {
	return &Error{Kind: kind, Op: op, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an internal *Error around err, keeping err's kind and public
// message when err already is an *Error.
func Wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return &Error{Kind: e.Kind, Op: op, Message: e.Message, Err: err}
	}
	return &Error{Kind: Internal, Op: op, Err: err}
}

// KindOf returns the kind of err: Internal unless err wraps an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// IsNotFound reports whether err is of kind NotFound.
func IsNotFound(err error) bool { return err != nil && KindOf(err) == NotFound }

// PublicMessage returns the text a client may see for err. Internal errors
// get a generic text so that no internal detail leaks.
func PublicMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Kind != Internal {
		if e.Message != "" {
			return e.Message
		}
		return e.Kind.String()
	}
	return "Internal server error"
}
