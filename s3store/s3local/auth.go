package s3local

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// AWS Signature Version 4, checked the way S3 checks it:
// https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html

const (
	algorithm     = "AWS4-HMAC-SHA256"
	amzDateFormat = "20060102T150405Z"
	// maxSkew is how far a signed request's date may be from the server's
	// clock, as S3 allows.
	maxSkew = 15 * time.Minute
	// maxExpires is the longest validity of a presigned URL: 7 days.
	maxExpires = 7 * 24 * time.Hour
)

// authenticator lets through only the requests signed with its
// credentials, and CORS preflights, which browsers send unsigned.
type authenticator struct {
	accessKey, secretKey string
	now                  func() time.Time
}

// s3Error is the XML body of an S3 error response.
type s3Error struct {
	XMLName xml.Name `xml:"Error"`
	Code    string   `xml:"Code"`
	Message string   `xml:"Message"`
}

// fail writes an S3 error response.
func fail(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_ = xml.NewEncoder(w).Encode(s3Error{Code: code, Message: message})
}

func (a *authenticator) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		var status int
		var code, msg string
		if r.URL.Query().Has("X-Amz-Signature") {
			status, code, msg = a.checkQuery(r)
		} else if r.Header.Get("Authorization") != "" {
			status, code, msg = a.checkHeader(r)
		} else {
			status, code, msg = http.StatusForbidden, "AccessDenied", "Anonymous access is forbidden."
		}
		if status != 0 {
			fail(w, status, code, msg)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// signed is what a request says about its own signature.
type signed struct {
	accessKey     string
	scope         string // date/region/service/aws4_request
	scopeDate     string
	date          time.Time
	amzDate       string
	signedHeaders []string
	signature     string
	payloadHash   string
}

// checkHeader checks a request signed in its Authorization header. It
// returns a zero status if the signature holds.
func (a *authenticator) checkHeader(r *http.Request) (int, string, string) {
	auth := r.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(auth, algorithm+" ")
	if !ok {
		return http.StatusBadRequest, "AuthorizationHeaderMalformed", "Unsupported authorization type."
	}
	var s signed
	var credential, headers string
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			credential = v
		case "SignedHeaders":
			headers = v
		case "Signature":
			s.signature = v
		}
	}
	s.amzDate = r.Header.Get("X-Amz-Date")
	s.payloadHash = r.Header.Get("X-Amz-Content-Sha256")
	if credential == "" || headers == "" || s.signature == "" || s.amzDate == "" {
		return http.StatusBadRequest, "AuthorizationHeaderMalformed", "The authorization header is malformed."
	}
	if s.payloadHash == "" {
		return http.StatusBadRequest, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256."
	}
	if status, code, msg := a.parse(&s, credential, headers); status != 0 {
		return status, code, msg
	}
	now := a.now()
	if s.date.Before(now.Add(-maxSkew)) || s.date.After(now.Add(maxSkew)) {
		return http.StatusForbidden, "RequestTimeTooSkewed", "The difference between the request time and the server's time is too large."
	}
	return a.verify(r, &s, canonicalQuery(r.URL.Query(), ""))
}

// checkQuery checks a presigned request. It returns a zero status if the
// signature holds and the URL has not expired.
func (a *authenticator) checkQuery(r *http.Request) (int, string, string) {
	q := r.URL.Query()
	if q.Get("X-Amz-Algorithm") != algorithm {
		return http.StatusBadRequest, "AuthorizationQueryParametersError", "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"."
	}
	s := signed{
		amzDate:     q.Get("X-Amz-Date"),
		signature:   q.Get("X-Amz-Signature"),
		payloadHash: "UNSIGNED-PAYLOAD",
	}
	if h := q.Get("X-Amz-Content-Sha256"); h != "" {
		s.payloadHash = h
	}
	if status, code, msg := a.parse(&s, q.Get("X-Amz-Credential"), q.Get("X-Amz-SignedHeaders")); status != 0 {
		return status, code, msg
	}
	secs, err := strconv.ParseInt(q.Get("X-Amz-Expires"), 10, 64)
	if err != nil || secs < 1 || time.Duration(secs)*time.Second > maxExpires {
		return http.StatusBadRequest, "AuthorizationQueryParametersError", "X-Amz-Expires must be a number of seconds from 1 to 604800."
	}
	now := a.now()
	if s.date.After(now.Add(maxSkew)) {
		return http.StatusForbidden, "AccessDenied", "Request is not valid yet."
	}
	if now.After(s.date.Add(time.Duration(secs) * time.Second)) {
		return http.StatusForbidden, "AccessDenied", "Request has expired."
	}
	return a.verify(r, &s, canonicalQuery(q, "X-Amz-Signature"))
}

// parse reads the credential and the signed headers into s and checks the
// access key, the scope and the date.
func (a *authenticator) parse(s *signed, credential, headers string) (int, string, string) {
	parts := strings.Split(credential, "/")
	if len(parts) != 5 || parts[3] != "s3" || parts[4] != "aws4_request" {
		return http.StatusBadRequest, "AuthorizationHeaderMalformed", "The credential is malformed."
	}
	s.accessKey = parts[0]
	s.scopeDate = parts[1]
	s.scope = strings.Join(parts[1:], "/")
	if s.accessKey != a.accessKey {
		return http.StatusForbidden, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."
	}
	d, err := time.Parse(amzDateFormat, s.amzDate)
	if err != nil || d.Format("20060102") != s.scopeDate {
		return http.StatusBadRequest, "AuthorizationHeaderMalformed", "The date is malformed or does not match the credential scope."
	}
	s.date = d
	s.signedHeaders = strings.Split(headers, ";")
	hasHost := false
	for _, h := range s.signedHeaders {
		if h == "host" {
			hasHost = true
		}
	}
	if !hasHost {
		return http.StatusBadRequest, "AuthorizationHeaderMalformed", "The host header must be signed."
	}
	return 0, "", ""
}

// verify recomputes the signature of r and compares it with the one sent.
func (a *authenticator) verify(r *http.Request, s *signed, query string) (int, string, string) {
	var headers strings.Builder
	for _, name := range s.signedHeaders {
		var value string
		switch name {
		case "host":
			value = r.Host
		case "content-length":
			value = r.Header.Get("Content-Length")
			if value == "" && r.ContentLength >= 0 {
				value = strconv.FormatInt(r.ContentLength, 10)
			}
		default:
			var values []string
			for _, v := range r.Header.Values(name) {
				values = append(values, strings.Join(strings.Fields(v), " "))
			}
			value = strings.Join(values, ",")
		}
		headers.WriteString(name)
		headers.WriteByte(':')
		headers.WriteString(value)
		headers.WriteByte('\n')
	}
	path, _, _ := strings.Cut(r.RequestURI, "?")
	if path == "" {
		path = "/"
	}
	canonical := strings.Join([]string{
		r.Method,
		path,
		query,
		headers.String(),
		strings.Join(s.signedHeaders, ";"),
		s.payloadHash,
	}, "\n")
	sum := sha256.Sum256([]byte(canonical))
	toSign := algorithm + "\n" + s.amzDate + "\n" + s.scope + "\n" + hex.EncodeToString(sum[:])

	scope := strings.Split(s.scope, "/")
	key := hmacSHA256([]byte("AWS4"+a.secretKey), scope[0])
	key = hmacSHA256(key, scope[1])
	key = hmacSHA256(key, scope[2])
	key = hmacSHA256(key, scope[3])
	want := hex.EncodeToString(hmacSHA256(key, toSign))
	if !hmac.Equal([]byte(want), []byte(s.signature)) {
		return http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method."
	}
	return 0, "", ""
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// canonicalQuery is the query of a canonical request: every parameter but
// skip, names and values URI-encoded, sorted.
func canonicalQuery(q url.Values, skip string) string {
	type pair struct{ k, v string }
	var pairs []pair
	for k, vs := range q {
		if k == skip {
			continue
		}
		for _, v := range vs {
			pairs = append(pairs, pair{uriEncode(k), uriEncode(v)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k + "=" + p.v)
	}
	return b.String()
}

// uriEncode percent-encodes every byte but the unreserved characters, as
// SigV4 does.
func uriEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteString("%" + strings.ToUpper(hex.EncodeToString([]byte{c})))
	}
	return b.String()
}
