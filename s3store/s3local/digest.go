package s3local

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
)

// verifyDigests refuses a PUT whose body does not have the SHA-256 it
// states, in x-amz-content-sha256 (hex, signed with the request) or in
// x-amz-checksum-sha256 (base64, which a presigned upload can be bound
// to), before gofakes3 stores anything. gofakes3 checks neither.
func verifyDigests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		contentHash := r.Header.Get("X-Amz-Content-Sha256")
		checksum := r.Header.Get("X-Amz-Checksum-Sha256")
		if _, err := hex.DecodeString(contentHash); err != nil || len(contentHash) != 64 {
			contentHash = "" // UNSIGNED-PAYLOAD, STREAMING-…: nothing to check
		}
		if r.Method != http.MethodPut || (contentHash == "" && checksum == "") {
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength < 0 {
			fail(w, http.StatusLengthRequired, "MissingContentLength", "You must provide the Content-Length HTTP header.")
			return
		}
		// gofakes3 holds the whole body in memory to store it anyway.
		body, err := io.ReadAll(io.LimitReader(r.Body, r.ContentLength))
		if err != nil || int64(len(body)) != r.ContentLength {
			fail(w, http.StatusBadRequest, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header.")
			return
		}
		sum := sha256.Sum256(body)
		if contentHash != "" && contentHash != hex.EncodeToString(sum[:]) {
			fail(w, http.StatusBadRequest, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.")
			return
		}
		if checksum != "" && checksum != base64.StdEncoding.EncodeToString(sum[:]) {
			fail(w, http.StatusBadRequest, "BadDigest", "The SHA256 you specified did not match the calculated checksum.")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}
