package grading

// featureIndex maps features to their rows in a model: an open-addressing
// table on the features' hashes, which are already uniform. It is read for
// every feature of every sentence checked, and is built once.
type featureIndex struct {
	keys []featureID // 0: an empty slot (a feature hashing to 0 is stored as 1)
	rows []int32
	mask uint64
	n    int
}

func newFeatureIndex(capacity int) *featureIndex {
	size := 16
	for size < 2*capacity {
		size *= 2
	}
	return &featureIndex{keys: make([]featureID, size), rows: make([]int32, size), mask: uint64(size - 1)}
}

func nonZero(f featureID) featureID {
	if f == 0 {
		return 1
	}
	return f
}

// add records a feature's row; it reports false if the feature is there
// already.
func (x *featureIndex) add(f featureID, row int32) bool {
	if 2*(x.n+1) > len(x.keys) {
		x.grow()
	}
	f = nonZero(f)
	for i := uint64(f) & x.mask; ; i = (i + 1) & x.mask {
		switch x.keys[i] {
		case 0:
			x.keys[i], x.rows[i] = f, row
			x.n++
			return true
		case f:
			return false
		}
	}
}

// get returns a feature's row.
func (x *featureIndex) get(f featureID) (int32, bool) {
	f = nonZero(f)
	for i := uint64(f) & x.mask; ; i = (i + 1) & x.mask {
		switch x.keys[i] {
		case 0:
			return 0, false
		case f:
			return x.rows[i], true
		}
	}
}

func (x *featureIndex) grow() {
	old := *x
	*x = *newFeatureIndex(len(old.keys))
	for i, k := range old.keys {
		if k != 0 {
			x.add(k, old.rows[i])
		}
	}
}
