package grading

// literals finds, in one pass over a text, every occurrence of a fixed set
// of literals (Aho–Corasick): the required literals of all patterns, so
// that a page is scanned once rather than once per pattern.
type literals struct {
	class  [256]uint8 // byte → column; 0 for bytes in no literal
	next   []int32    // node*ncls + class → node (a complete automaton)
	ncls   int
	out    [][]int32 // node → ids of the literals ending there
	length []int     // id → length
	ids    map[string]int32
}

func (l *literals) add(s string) int32 {
	if l.ids == nil {
		l.ids = make(map[string]int32)
	}
	if id, ok := l.ids[s]; ok {
		return id
	}
	id := int32(len(l.length))
	l.ids[s] = id
	l.length = append(l.length, len(s))
	return id
}

// build makes the automaton once every literal is added: the trie in one
// flat table, then the failure links breadth first, turning it into a
// complete automaton and merging each node's outputs with its fallback's.
func (l *literals) build() {
	n := 1
	keys := make([]string, 0, len(l.ids))
	for s := range l.ids {
		keys = append(keys, s)
		for i := 0; i < len(s); i++ {
			if l.class[s[i]] == 0 {
				l.class[s[i]] = uint8(n)
				n++
			}
		}
	}
	l.ncls = n
	size := 1
	for _, s := range keys {
		size += len(s)
	}
	next := make([]int32, n, size*n)
	l.out = make([][]int32, 1, size)
	nodes := 1
	for _, s := range keys {
		node := 0
		for i := 0; i < len(s); i++ {
			c := int(l.class[s[i]])
			if next[node*n+c] == 0 {
				next = append(next, make([]int32, n)...)
				l.out = append(l.out, nil)
				next[node*n+c] = int32(nodes)
				nodes++
			}
			node = int(next[node*n+c])
		}
		l.out[node] = append(l.out[node], l.ids[s])
	}
	fail := make([]int32, nodes)
	queue := make([]int32, 0, nodes)
	for c := 1; c < n; c++ {
		if child := next[c]; child != 0 {
			queue = append(queue, child)
		}
	}
	for q := 0; q < len(queue); q++ {
		node := int(queue[q])
		if f := fail[node]; len(l.out[f]) > 0 {
			l.out[node] = append(l.out[node], l.out[f]...)
		}
		for c := 1; c < n; c++ {
			child := next[node*n+c]
			if child == 0 {
				next[node*n+c] = next[int(fail[node])*n+c]
				continue
			}
			fail[child] = next[int(fail[node])*n+c]
			queue = append(queue, child)
		}
	}
	l.next = next
}

// scan returns, for each literal id, the start offsets of its occurrences
// in s, in order.
func (l *literals) scan(s string) [][]int {
	occ := make([][]int, len(l.length))
	node := int32(0)
	for i := 0; i < len(s); i++ {
		node = l.next[int(node)*l.ncls+int(l.class[s[i]])]
		for _, id := range l.out[node] {
			occ[id] = append(occ[id], i+1-l.length[id])
		}
	}
	return occ
}
