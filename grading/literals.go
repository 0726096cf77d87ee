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

// build makes the automaton once every literal is added.
func (l *literals) build() {
	n := 1
	for s := range l.ids {
		for i := 0; i < len(s); i++ {
			if l.class[s[i]] == 0 {
				l.class[s[i]] = uint8(n)
				n++
			}
		}
	}
	l.ncls = n
	// The trie.
	trie := [][]int32{make([]int32, n)}
	l.out = [][]int32{nil}
	for s, id := range l.ids {
		node := int32(0)
		for i := 0; i < len(s); i++ {
			c := l.class[s[i]]
			if trie[node][c] == 0 {
				trie = append(trie, make([]int32, n))
				l.out = append(l.out, nil)
				trie[node][c] = int32(len(trie) - 1)
			}
			node = trie[node][c]
		}
		l.out[node] = append(l.out[node], id)
	}
	// Failure links, breadth first, turning the trie into a complete
	// automaton and merging each node's outputs with its fallback's.
	fail := make([]int32, len(trie))
	queue := []int32{}
	for c := 1; c < n; c++ {
		if child := trie[0][c]; child != 0 {
			queue = append(queue, child)
		}
	}
	for len(queue) > 0 {
		node := queue[0]
		queue = queue[1:]
		l.out[node] = append(l.out[node], l.out[fail[node]]...)
		for c := 1; c < n; c++ {
			child := trie[node][c]
			if child == 0 {
				trie[node][c] = trie[fail[node]][c]
				continue
			}
			fail[child] = trie[fail[node]][c]
			queue = append(queue, child)
		}
	}
	l.next = make([]int32, len(trie)*n)
	for node, row := range trie {
		copy(l.next[node*n:], row)
	}
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
