package extract

// PoolChildren returns the process ids of the pool's children that read
// documents still.
func PoolChildren(p *Pool) []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	var pids []int
	for s := range p.serving {
		pids = append(pids, s.pid)
	}
	return pids
}

// PoolCrashes returns how many of the pool's children died reading.
func PoolCrashes(p *Pool) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.crashes
}
