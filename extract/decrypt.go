package extract

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rc4"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
)

// Decryption with an empty password, for what neither ledongthuc nor
// pdfcpu opens although pdftotext does: an owner password that is empty
// when the user password is not (the empty password opens the document
// as its owner), a V=4 crypt filter whose key length is only in the crypt
// filter, streams that hold nothing but an AES initialisation vector.
// extract follows the standard security handler of ISO 32000-2 (7.6.4):
// Algorithms 2, 6 and 7 for revisions 2 to 4 (RC4 and AES-128), 2.A and
// 2.B for revisions 5 and 6 (AES-256), with the empty password only. It
// writes the document back with every string and stream decrypted and
// without /Encrypt (decryptPDF); the rest of the reading, repair included,
// goes on from there. A document that needs a real password stays
// encrypted.

var (
	// errNotStandard is an encryption extract does not decrypt itself: a
	// security handler other than the standard one, or a dictionary it
	// cannot read.
	errNotStandard = errors.New("decrypt: unsupported encryption")
)

// pdfPad pads passwords in revisions 2 to 4 (Algorithm 2, step a).
var pdfPad = []byte{
	0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
	0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A,
}

// securityHandler is what the standard security handler's dictionary
// says, and the file key found with the empty password.
type securityHandler struct {
	v, r        int
	keyLen      int // bytes, revisions 2 to 4
	o, u        []byte
	oe, ue      []byte
	p           uint32
	id          []byte
	encryptMeta bool
	stmF, strF  string // the crypt methods: "RC4", "AESV2", "AESV3" or "None"
	key         []byte
}

// decryptPDF returns data decrypted with the empty password, written back
// as a plain document. It returns errNeedsPassword when the empty password
// is neither the user's nor the owner's, and errNotStandard for encryption
// it does not handle.
func decryptPDF(data []byte) (out []byte, err error) {
	defer func() {
		if x := recover(); x != nil {
			out, err = nil, fmt.Errorf("decrypt: panic: %v", x)
		}
	}()
	objs := findObjects(data)
	h, encNum, err := readSecurityHandler(data, objs)
	if err != nil {
		return nil, err
	}
	if err := h.findKey(); err != nil {
		return nil, err
	}

	var b bytes.Buffer
	b.Grow(len(data) + len(data)/8)
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	nums := make([]int, 0, len(objs.at))
	for num := range objs.at {
		nums = append(nums, num)
	}
	slices.Sort(nums)
	for _, num := range nums {
		if num == encNum {
			continue
		}
		o := objs.at[num]
		fmt.Fprintf(&b, "%d %d obj\n", num, o.gen)
		h.rewriteObject(&b, objs, num, o.gen, objs.body(o.offset))
		b.WriteString("\nendobj\n")
	}
	fixed, ok := rebuildXref(b.Bytes())
	if !ok {
		return nil, errors.New("decrypt: no catalog")
	}
	return fixed, nil
}

// readSecurityHandler reads the encryption dictionary the trailer names,
// and returns it with its object number.
func readSecurityHandler(data []byte, objs *objectIndex) (*securityHandler, int, error) {
	m := reEncrypt.FindAllSubmatch(data, -1)
	if len(m) == 0 {
		return nil, 0, errNotStandard
	}
	num, _ := strconv.Atoi(string(m[len(m)-1][1]))
	enc, ok := objs.get(num)
	if !ok {
		return nil, 0, errNotStandard
	}
	d, _ := parseObject(objs.body(enc.offset))
	if d == nil || d.kind != objDict {
		return nil, 0, errNotStandard
	}
	h, err := newSecurityHandler(d, trailerID(data))
	return h, num, err
}

// shortRC4Key tells whether a document is encrypted with RC4 and a key
// shorter than 128 bits. ledongthuc decrypts those with a wrong key (it
// does not cut the object keys to the file key's length plus 5 bytes),
// which makes noise of the content streams, and can make its lexer loop
// forever on a hex string left open at their end: such a document goes
// to the repair stage without ledongthuc's reading.
func shortRC4Key(data []byte) bool {
	if !bytes.Contains(data, []byte("/Encrypt")) {
		return false
	}
	h, _, err := readSecurityHandler(data, findObjects(data))
	return err == nil && h.r <= 4 && h.keyLen < 16 && (h.stmF == "RC4" || h.strF == "RC4")
}

// trailerID returns the first string of the last /ID array in the file,
// where the trailer or the cross-reference stream has it.
func trailerID(data []byte) []byte {
	for end := len(data); end > 0; {
		i := bytes.LastIndex(data[:end], []byte("/ID"))
		if i < 0 {
			return nil
		}
		end = i
		v, _ := parseObject(data[i+3 : min(len(data), i+3+1024)])
		if v != nil && v.kind == objArray && len(v.items) > 0 && v.items[0].kind == objString {
			return v.items[0].str
		}
	}
	return nil
}

// newSecurityHandler reads the standard security handler's dictionary.
func newSecurityHandler(d *pdfObject, id []byte) (*securityHandler, error) {
	if d.key("Filter").name != "Standard" {
		return nil, errNotStandard
	}
	h := &securityHandler{
		v:           d.key("V").integer(0),
		r:           d.key("R").integer(0),
		o:           d.key("O").str,
		u:           d.key("U").str,
		oe:          d.key("OE").str,
		ue:          d.key("UE").str,
		p:           uint32(int32(d.key("P").integer(0))),
		id:          id,
		encryptMeta: d.key("EncryptMetadata").kind != objBool || d.key("EncryptMetadata").b,
		stmF:        "RC4",
		strF:        "RC4",
	}
	switch {
	case h.r < 2 || h.r > 6 || h.v < 1 || h.v > 5:
		return nil, errNotStandard
	case h.r <= 4 && (len(h.o) < 32 || len(h.u) < 32):
		return nil, errNotStandard
	case h.r >= 5 && (len(h.o) < 48 || len(h.u) < 48 || len(h.oe) < 32 || len(h.ue) < 32):
		return nil, errNotStandard
	}
	h.keyLen = 5
	if n := d.key("Length").integer(0); h.v >= 2 && n >= 40 && n <= 128 && n%8 == 0 {
		h.keyLen = n / 8
	}
	if h.v >= 4 {
		cf := d.key("CF")
		h.stmF = cryptMethod(cf, d.key("StmF").name)
		h.strF = cryptMethod(cf, d.key("StrF").name)
		if h.stmF == "" || h.strF == "" {
			return nil, errNotStandard
		}
		// The key length of a V=4 handler is its crypt filter's, in bytes
		// (some producers write bits); /Length, when there, says the same.
		if f := cf.key(d.key("StmF").name); f.kind == objDict {
			switch n := f.key("Length").integer(0); {
			case n >= 5 && n <= 16:
				h.keyLen = n
			case n >= 40 && n <= 128 && n%8 == 0:
				h.keyLen = n / 8
			default:
				if d.key("Length").kind != objNumber {
					h.keyLen = 16
				}
			}
		}
	}
	return h, nil
}

// cryptMethod returns the method of the crypt filter named name: "None"
// for Identity, "" for one that is not there or not known.
func cryptMethod(cf *pdfObject, name string) string {
	if name == "" || name == "Identity" {
		return "None"
	}
	switch m := cf.key(name).key("CFM").name; m {
	case "V2":
		return "RC4"
	case "AESV2", "AESV3", "None":
		return m
	}
	return ""
}

// findKey finds the file key that the empty password opens, as the user
// or as the owner.
func (h *securityHandler) findKey() error {
	if h.r >= 5 {
		return h.findKeyAES256()
	}
	// The user password.
	if key := h.fileKey(nil); h.userKeyValid(key) {
		h.key = key
		return nil
	}
	// The owner password: it encrypts the user password in /O
	// (Algorithm 7).
	sum := md5.Sum(pdfPad)
	k := sum[:]
	if h.r >= 3 {
		for range 50 {
			s := md5.Sum(k)
			k = s[:]
		}
	}
	k = k[:h.keyLen]
	if h.r == 2 {
		k = k[:5]
	}
	user := slices.Clone(h.o[:32])
	if h.r == 2 {
		rc4XOR(k, user)
	} else {
		for i := 19; i >= 0; i-- {
			rc4XOR(xorKey(k, byte(i)), user)
		}
	}
	if key := h.fileKey(user); h.userKeyValid(key) {
		h.key = key
		return nil
	}
	return errNeedsPassword
}

// fileKey computes the file key of a user password, padded (Algorithm 2).
func (h *securityHandler) fileKey(password []byte) []byte {
	pw := append(slices.Clone(password[:min(len(password), 32)]), pdfPad[:32-min(len(password), 32)]...)
	m := md5.New()
	m.Write(pw)
	m.Write(h.o[:32])
	m.Write(binary.LittleEndian.AppendUint32(nil, h.p))
	m.Write(h.id)
	if h.r >= 4 && !h.encryptMeta {
		m.Write([]byte{0xff, 0xff, 0xff, 0xff})
	}
	key := m.Sum(nil)
	n := h.keyLen
	if h.r == 2 {
		n = 5
	}
	if h.r >= 3 {
		for range 50 {
			s := md5.Sum(key[:n])
			key = s[:]
		}
	}
	return key[:n]
}

// userKeyValid tells whether a file key is the user password's: whether
// it gives /U back (Algorithms 4 and 5).
func (h *securityHandler) userKeyValid(key []byte) bool {
	if h.r == 2 {
		u := slices.Clone(pdfPad)
		rc4XOR(key, u)
		return bytes.Equal(u, h.u[:32])
	}
	m := md5.New()
	m.Write(pdfPad)
	m.Write(h.id)
	u := m.Sum(nil)
	for i := range 20 {
		rc4XOR(xorKey(key, byte(i)), u)
	}
	return bytes.Equal(u, h.u[:16])
}

// findKeyAES256 finds the file key of revisions 5 and 6 (Algorithm 2.A):
// the empty password as the owner's, then as the user's.
func (h *securityHandler) findKeyAES256() error {
	u := h.u[:48]
	if hash := h.hash(nil, h.o[32:40], u); bytes.Equal(hash, h.o[:32]) {
		h.key = aes256KeyDecrypt(h.hash(nil, h.o[40:48], u), h.oe[:32])
		return nil
	}
	if hash := h.hash(nil, h.u[32:40], nil); bytes.Equal(hash, h.u[:32]) {
		h.key = aes256KeyDecrypt(h.hash(nil, h.u[40:48], nil), h.ue[:32])
		return nil
	}
	return errNeedsPassword
}

// hash is the password hash of revision 5 (SHA-256) or 6 (Algorithm 2.B).
func (h *securityHandler) hash(password, salt, udata []byte) []byte {
	in := slices.Concat(password, salt, udata)
	k0 := sha256.Sum256(in)
	if h.r == 5 {
		return k0[:]
	}
	return hash2B(k0[:], password, udata)
}

// hash2B runs the rounds of Algorithm 2.B from the first hash k.
func hash2B(k, password, udata []byte) []byte {
	var e []byte
	three := big.NewInt(3)
	for round := 0; round < 64 || int(e[len(e)-1]) > round-32; round++ {
		k1 := bytes.Repeat(slices.Concat(password, k, udata), 64)
		block, _ := aes.NewCipher(k[:16])
		e = make([]byte, len(k1))
		cipher.NewCBCEncrypter(block, k[16:32]).CryptBlocks(e, k1)
		switch new(big.Int).Mod(new(big.Int).SetBytes(e[:16]), three).Int64() {
		case 0:
			s := sha256.Sum256(e)
			k = s[:]
		case 1:
			s := sha512.Sum384(e)
			k = s[:]
		default:
			s := sha512.Sum512(e)
			k = s[:]
		}
	}
	return k[:32]
}

// aes256KeyDecrypt decrypts /OE or /UE: AES-256 without chaining, a zero
// initialisation vector.
func aes256KeyDecrypt(key, enc []byte) []byte {
	block, _ := aes.NewCipher(key)
	out := make([]byte, 32)
	cipher.NewCBCDecrypter(block, make([]byte, 16)).CryptBlocks(out, enc[:32])
	return out
}

// rc4XOR encrypts or decrypts b in place.
func rc4XOR(key, b []byte) {
	c, err := rc4.NewCipher(key)
	if err != nil {
		return
	}
	c.XORKeyStream(b, b)
}

func xorKey(key []byte, x byte) []byte {
	out := slices.Clone(key)
	for i := range out {
		out[i] ^= x
	}
	return out
}

// decrypt decrypts the bytes of a string or stream of object num, gen
// with a crypt method.
func (h *securityHandler) decrypt(method string, num, gen int, b []byte) []byte {
	if method == "None" {
		return b
	}
	key := h.key
	if h.r <= 4 {
		m := md5.New()
		m.Write(h.key)
		m.Write([]byte{byte(num), byte(num >> 8), byte(num >> 16), byte(gen), byte(gen >> 8)})
		if method == "AESV2" {
			m.Write([]byte("sAlT"))
		}
		key = m.Sum(nil)[:min(len(h.key)+5, 16)]
	}
	if method == "RC4" {
		out := slices.Clone(b)
		rc4XOR(key, out)
		return out
	}
	// AES-CBC: the initialisation vector first, then the data padded
	// to whole blocks. A stream of the vector alone is empty.
	if len(b) <= aes.BlockSize {
		return nil
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil
	}
	data := b[aes.BlockSize:]
	data = data[:len(data)/aes.BlockSize*aes.BlockSize]
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, b[:aes.BlockSize]).CryptBlocks(out, data)
	if n := len(out); n > 0 {
		if pad := int(out[n-1]); pad >= 1 && pad <= aes.BlockSize && pad <= n &&
			bytes.Count(out[n-pad:], out[n-1:]) == pad {
			out = out[:n-pad]
		}
	}
	return out
}

// rewriteObject writes the body of object num, gen with its strings and
// its stream decrypted, and without /Encrypt. Cross-reference streams are
// not encrypted; metadata streams may not be.
func (h *securityHandler) rewriteObject(b *bytes.Buffer, objs *objectIndex, num, gen int, body []byte) {
	v, rest := parseObject(body)
	if v == nil {
		return
	}
	isStream := v.kind == objDict && bytes.HasPrefix(rest, []byte("stream"))
	plain := v.kind == objDict && (v.key("Type").name == "XRef" ||
		(v.key("Type").name == "Metadata" && !h.encryptMeta))
	if !plain {
		h.decryptStrings(v, num, gen, 0)
	}
	if v.kind == objDict {
		delete(v.dict, "Encrypt")
	}
	if !isStream {
		v.write(b)
		return
	}
	data := streamData(rest[len("stream"):], v.key("Length"), objs)
	if !plain && !hasCryptFilter(v) {
		data = h.decrypt(h.stmF, num, gen, data)
	}
	v.dict["Length"] = &pdfObject{kind: objNumber, num: strconv.Itoa(len(data))}
	v.write(b)
	b.WriteString("\nstream\n")
	b.Write(data)
	b.WriteString("\nendstream")
}

// hasCryptFilter tells whether a stream names its own crypt filter: it is
// left as it is.
func hasCryptFilter(v *pdfObject) bool {
	f := v.key("Filter")
	if f.name == "Crypt" {
		return true
	}
	for _, x := range f.items {
		if x.name == "Crypt" {
			return true
		}
	}
	return false
}

func (h *securityHandler) decryptStrings(v *pdfObject, num, gen, depth int) {
	if depth > 100 {
		return
	}
	switch v.kind {
	case objString:
		v.str = h.decrypt(h.strF, num, gen, v.str)
	case objArray:
		for _, x := range v.items {
			h.decryptStrings(x, num, gen, depth+1)
		}
	case objDict:
		for _, x := range v.dict {
			h.decryptStrings(x, num, gen, depth+1)
		}
	}
}

// streamData returns the data of a stream from what follows its "stream"
// keyword: /Length bytes when "endstream" follows them, else up to the
// last "endstream".
func streamData(rest []byte, length *pdfObject, objs *objectIndex) []byte {
	switch {
	case bytes.HasPrefix(rest, []byte("\r\n")):
		rest = rest[2:]
	case bytes.HasPrefix(rest, []byte("\n")), bytes.HasPrefix(rest, []byte("\r")):
		rest = rest[1:]
	}
	n := -1
	switch length.kind {
	case objNumber:
		n = length.integer(-1)
	case objRef:
		if o, ok := objs.get(length.ref); ok {
			if l, _ := parseObject(objs.body(o.offset)); l != nil {
				n = l.integer(-1)
			}
		}
	}
	if n >= 0 && n <= len(rest) {
		after := bytes.TrimLeft(rest[n:], "\x00\t\n\f\r ")
		if bytes.HasPrefix(after, []byte("endstream")) {
			return rest[:n]
		}
	}
	if i := bytes.LastIndex(rest, []byte("endstream")); i >= 0 {
		rest = rest[:i]
		switch {
		case bytes.HasSuffix(rest, []byte("\r\n")):
			rest = rest[:len(rest)-2]
		case bytes.HasSuffix(rest, []byte("\n")), bytes.HasSuffix(rest, []byte("\r")):
			rest = rest[:len(rest)-1]
		}
	}
	return rest
}
