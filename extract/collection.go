package extract

import (
	_ "embed"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// The CIDs of a font of Adobe's Japan1 character collection stand for
// the same characters in every font of the collection: japan1.txt says
// which. Producers that embed no ToUnicode map count on it, for Japanese
// fonts without an embedded program especially. The other collections
// (GB1, CNS1, Korea1) are not carried.

//go:embed japan1.txt
var japan1Data string

// cidRun maps the CIDs cid..cid+n-1 to the code points r..r+n-1.
type cidRun struct {
	cid, n int
	r      rune
}

// japan1 is japan1.txt, parsed on first use, sorted by CID.
var japan1 = sync.OnceValue(func() []cidRun {
	var runs []cidRun
	next := 0
	for line := range strings.Lines(japan1Data) {
		f := strings.Fields(line)
		switch {
		case len(f) == 0 || strings.HasPrefix(f[0], "#"):
			continue
		case strings.HasPrefix(f[0], "@"):
			next, _ = strconv.Atoi(f[0][1:])
			continue
		}
		r, err := strconv.ParseUint(f[0], 16, 32)
		n := 1
		if len(f) > 1 {
			n, _ = strconv.Atoi(f[1])
		}
		if err == nil && n > 0 {
			runs = append(runs, cidRun{next, n, rune(r)})
		}
		next += max(n, 1)
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].cid < runs[j].cid })
	return runs
})

// collectionRune returns the code point of a CID of a collection.
func collectionRune(runs []cidRun, cid uint16) (rune, bool) {
	c := int(cid)
	i := sort.Search(len(runs), func(i int) bool { return runs[i].cid+runs[i].n > c })
	if i == len(runs) || runs[i].cid > c {
		return 0, false
	}
	return runs[i].r + rune(c-runs[i].cid), true
}
