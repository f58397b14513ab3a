// The XML a listing page is written in, read as encoding/xml reads it,
// for the few forms S3 and MinIO write; anything else is refused, and
// then the SDK's decoder reads the page (listdecode.go).

package preflight

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// scanner reads b from i on.
type scanner struct {
	b       []byte
	i       int
	objects objectValues
	scratch []byte
}

// The declarations S3 and MinIO (Go's encoding/xml) write.
var prologs = [][]byte{
	[]byte(`<?xml version="1.0" encoding="UTF-8"?>`),
	[]byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`),
}

func (s *scanner) prolog() bool {
	for _, p := range prologs {
		if bytes.HasPrefix(s.b, p) {
			s.i = len(p)
			return true
		}
	}

	return false
}

// rootStart reads the root's start tag, with no attribute but its
// namespace.
func (s *scanner) rootStart() bool {
	s.space()

	const root = "<ListBucketResult"
	if !bytes.HasPrefix(s.b[s.i:], []byte(root)) {
		return false
	}

	s.i += len(root)

	if s.i < len(s.b) && s.b[s.i] == '>' {
		s.i++
		return true
	}

	const ns = ` xmlns="`
	if !bytes.HasPrefix(s.b[s.i:], []byte(ns)) {
		return false
	}

	s.i += len(ns)

	for ; s.i < len(s.b); s.i++ {
		switch c := s.b[s.i]; {
		case c == '"':
			if s.i+1 < len(s.b) && s.b[s.i+1] == '>' {
				s.i += 2
				return true
			}

			return false
		case c < 0x21 || c > 0x7e || c == '<' || c == '&' || c == '>':
			return false
		}
	}

	return false
}

func (s *scanner) space() {
	for s.i < len(s.b) && isSpace(s.b[s.i]) {
		s.i++
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' }

func (s *scanner) onlySpace() bool {
	s.space()
	return s.i == len(s.b)
}

// tag reads the next tag after any white space: <Name> or </Name>, a
// name of ASCII letters only.
func (s *scanner) tag() (name []byte, end, ok bool) {
	s.space()

	if s.i >= len(s.b) || s.b[s.i] != '<' {
		return nil, false, false
	}

	s.i++

	if s.i < len(s.b) && s.b[s.i] == '/' {
		end = true
		s.i++
	}

	start := s.i
	for s.i < len(s.b) && isLetter(s.b[s.i]) {
		s.i++
	}

	if s.i == start || s.i >= len(s.b) || s.b[s.i] != '>' {
		return nil, false, false
	}

	name = s.b[start:s.i]
	s.i++

	return name, end, true
}

func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

// rawText reads an element's text, as written, and its end tag.
func (s *scanner) rawText(name []byte) ([]byte, bool) {
	start := s.i

	n := bytes.IndexByte(s.b[start:], '<')
	if n < 0 {
		return nil, false
	}

	s.i += n
	raw := s.b[start:s.i]

	got, end, ok := s.tag()

	return raw, ok && end && bytes.Equal(got, name)
}

// text reads an element's text, as encoding/xml reads it, and its end tag.
func (s *scanner) text(name []byte) (string, bool) {
	raw, ok := s.rawText(name)
	if !ok {
		return "", false
	}

	if bytes.IndexByte(raw, '&') < 0 {
		return string(raw), validText(raw)
	}

	var v []byte
	if v, ok = unescape(s.scratch[:0], raw); !ok {
		return "", false
	}

	s.scratch = v

	return string(v), true
}

// skipText passes over an element's text, checked as text reads it.
func (s *scanner) skipText(name []byte) bool {
	raw, ok := s.rawText(name)
	if !ok {
		return false
	}

	if bytes.IndexByte(raw, '&') < 0 {
		return validText(raw)
	}

	s.scratch, ok = unescape(s.scratch[:0], raw)

	return ok
}

// skip passes over an element this reader does not keep, text or
// elements (nested at most a few deep), up to its end tag.
func (s *scanner) skip(name []byte, depth int) bool {
	if depth > 4 {
		return false
	}

	at := s.i
	s.space()

	if s.i+1 >= len(s.b) || s.b[s.i] != '<' || s.b[s.i+1] == '/' {
		s.i = at
		return s.skipText(name)
	}

	return s.children(name, func(inner []byte) bool { return s.skip(inner, depth+1) })
}

// textsOnly passes over an element of elements holding text (as the
// SDK reads an owner) up to its end tag.
func (s *scanner) textsOnly(name []byte) bool { return s.children(name, s.skipText) }

// children reads name's elements, each by child after its start tag, and
// then name's end tag.
func (s *scanner) children(name []byte, child func(inner []byte) bool) bool {
	for {
		inner, end, ok := s.tag()
		if !ok {
			return false
		}

		if end {
			return bytes.Equal(inner, name)
		}

		if !child(inner) {
			return false
		}
	}
}

// unescape appends XML text as encoding/xml reads it to dst, for text of
// valid characters with no carriage return (which XML rewrites) and only
// the five named entities and character references.
func unescape(dst, raw []byte) ([]byte, bool) {
	for i := 0; i < len(raw); {
		if raw[i] != '&' {
			dst = append(dst, raw[i])
			i++

			continue
		}

		semi := bytes.IndexByte(raw[i:], ';')
		if semi < 0 {
			return nil, false
		}

		r, ok := entity(raw[i+1 : i+semi])
		if !ok {
			return nil, false
		}

		dst = utf8.AppendRune(dst, r)
		i += semi + 1
	}

	return dst, validText(dst)
}

// entity is the character &ref; stands for.
func entity(ref []byte) (rune, bool) {
	switch string(ref) {
	case "amp":
		return '&', true
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "quot":
		return '"', true
	case "apos":
		return '\'', true
	}

	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}

	digits, base := ref[1:], 10
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}

	if len(digits) == 0 || len(digits) > 8 || digits[0] == '+' || digits[0] == '-' {
		return 0, false
	}

	n, err := strconv.ParseUint(string(digits), base, 32)
	if err != nil || !xmlChar(rune(n)) || n == '\r' {
		return 0, false
	}

	return rune(n), true
}

// validText says whether b is UTF-8 of XML's characters, with no carriage
// return (XML reads one as a line feed).
func validText(b []byte) bool {
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' {
				return false
			}

			i++

			continue
		}

		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError || !xmlChar(r) {
			return false
		}

		i += n
	}

	return true
}

// xmlChar is XML 1.0's Char production.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
