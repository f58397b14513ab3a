package engineproto

import (
	"bufio"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/corsodesktop/corso-desktop/repo"
)

// maxRequest bounds the one request a helper reads: a real one is a few
// KiB (settings, secrets, an earlier check's report), so a larger one is
// refused before it is held in memory.
const maxRequest = 1 << 20

// maxField bounds each string of a request (a passphrase, a key, a path):
// far above any real value, far below what could hurt.
const maxField = 64 << 10

// errRequestTooLarge is the sentence for a request over maxRequest.
func errRequestTooLarge() *repo.Error {
	return repo.NewError(repo.CodeEngine, nil, "The request to Corso Desktop's engine was larger than %d KiB, so it was refused and nothing was done. A passphrase, key or path that long cannot be right: check what was pasted.", maxRequest>>10)
}

// readRequest reads the one request line, refusing one over maxRequest
// without reading the rest of it.
func readRequest(br *bufio.Reader) (engineRequest, error) {
	var req engineRequest

	line, err := readLine(br, maxRequest)
	if errors.Is(err, errEngineMessageTooLarge) {
		return req, errRequestTooLarge()
	}

	if err != nil {
		return req, err
	}

	if err := json.Unmarshal(line, &req); err != nil {
		return req, engineError(err)
	}

	if field := oversizedField(reflect.ValueOf(req), "request"); field != "" {
		return req, repo.NewError(repo.CodeEngine, nil, "The request to Corso Desktop's engine had a value longer than %d KiB (%s), so it was refused and nothing was done. A passphrase, key or path that long cannot be right: check what was pasted.", maxField>>10, field)
	}

	return req, nil
}

// oversizedField names the first string in v longer than maxField, by
// its place in the request, never its value; "" when there is none.
func oversizedField(v reflect.Value, path string) string {
	switch v.Kind() {
	case reflect.String:
		if v.Len() > maxField {
			return path
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return oversizedField(v.Elem(), path)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() {
				if p := oversizedField(v.Field(i), path+"."+f.Name); p != "" {
					return p
				}
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if p := oversizedField(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p
			}
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			if p := oversizedField(v.MapIndex(k), path+"["+fmt.Sprint(k.Interface())+"]"); p != "" {
				return p
			}
		}
	}

	return ""
}

// secretsOf are the secrets a request carries, for redaction.
func secretsOf(req engineRequest) []string {
	s := []string{req.Secrets.Passphrase, req.Secrets.S3.SecretAccessKey, req.Secrets.S3.SessionToken}
	if req.Change != nil {
		s = append(s, req.Change.New)
	}

	return s
}

// redact removes every secret from text in each form a crashing program
// may print it: as it is; JSON- or Go-quoted, once or twice (a quoted
// request holding a quoted secret); in hex and in base64. Longest forms
// go first, so that a secret holding another is removed whole.
func redact(text string, secrets []string) string {
	quotes := []func(string) string{
		func(s string) string { js, _ := json.Marshal(s); return string(js[1 : len(js)-1]) },
		func(s string) string { return strings.Trim(strconv.Quote(s), `"`) },
		func(s string) string { return strings.Trim(strconv.QuoteToASCII(s), `"`) },
	}

	var forms []string

	for _, s := range secrets {
		if len(s) < 3 {
			// Too short to remove without mangling the text; no real
			// secret is this short (a passphrase needs 8 characters).
			continue
		}

		forms = append(forms, s, hex.EncodeToString([]byte(s)), base64.StdEncoding.EncodeToString([]byte(s)), base64.RawURLEncoding.EncodeToString([]byte(s)))

		for _, q1 := range quotes {
			once := q1(s)
			forms = append(forms, once)

			for _, q2 := range quotes {
				forms = append(forms, q2(once))
			}
		}
	}

	sort.Slice(forms, func(i, j int) bool { return len(forms[i]) > len(forms[j]) })

	for _, f := range forms {
		text = strings.ReplaceAll(text, f, "[secret removed]")
	}

	return text
}

// drain discards what is left of r.
func drain(r io.Reader) { io.Copy(io.Discard, r) } //nolint:errcheck
