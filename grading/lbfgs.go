package grading

import "math"

// minimize finds a minimum of f(x) + l1·Σ|x_i| (i < penalized) with
// OWL-QN, L-BFGS made for an L1 penalty: f is smooth and convex; it
// returns its value at x and writes its gradient into g. The L1 penalty
// makes most weights exactly zero, which keeps a model small. It stops
// after maxIter iterations or when progress stalls. Deterministic.
func minimize(f func(x, g []float64) float64, x []float64, l1 float64, penalized, maxIter int) {
	const memory = 7
	n := len(x)
	reg := func(x []float64) float64 {
		var s float64
		for i := range penalized {
			s += math.Abs(x[i])
		}
		return l1 * s
	}
	g := make([]float64, n)
	fx := f(x, g) + reg(x)
	pg := make([]float64, n)
	d := make([]float64, n)
	xNew := make([]float64, n)
	gNew := make([]float64, n)
	alpha := make([]float64, memory)
	var s, y [][]float64
	var rho []float64
	for range maxIter {
		pseudoGradient(pg, x, g, l1, penalized)
		if l2norm(pg) <= 1e-6*max(1, l2norm(x)) {
			return
		}
		// d = -H pg, by the two-loop recursion.
		copy(d, pg)
		for i := len(s) - 1; i >= 0; i-- {
			alpha[i] = rho[i] * dot(s[i], d)
			axpy(-alpha[i], y[i], d)
		}
		if k := len(s) - 1; k >= 0 {
			scale(dot(s[k], y[k])/dot(y[k], y[k]), d)
		} else {
			scale(1/max(1, l2norm(pg)), d)
		}
		for i := range s {
			beta := rho[i] * dot(y[i], d)
			axpy(alpha[i]-beta, s[i], d)
		}
		scale(-1, d)
		// Keep the direction in the orthant the pseudo-gradient points to.
		for i := range penalized {
			if d[i]*pg[i] >= 0 {
				d[i] = 0
			}
		}
		if dot(d, pg) >= 0 { // not a descent direction: restart
			s, y, rho = s[:0], y[:0], rho[:0]
			copy(d, pg)
			scale(-1/max(1, l2norm(pg)), d)
		}
		// Backtracking line search, projected on the orthant.
		step := 1.0
		var fNew float64
		ok := false
		for range 30 {
			for i := range x {
				xNew[i] = x[i] + step*d[i]
				if i < penalized {
					orth := x[i]
					if orth == 0 {
						orth = -pg[i]
					}
					if xNew[i]*orth <= 0 {
						xNew[i] = 0
					}
				}
			}
			fNew = f(xNew, gNew) + reg(xNew)
			var decrease float64
			for i := range x {
				decrease += pg[i] * (xNew[i] - x[i])
			}
			if fNew <= fx+1e-4*decrease {
				ok = true
				break
			}
			step /= 2
		}
		if !ok {
			return
		}
		sk := make([]float64, n)
		yk := make([]float64, n)
		for i := range x {
			sk[i] = xNew[i] - x[i]
			yk[i] = gNew[i] - g[i]
		}
		copy(x, xNew)
		copy(g, gNew)
		improved := fx - fNew
		fx = fNew
		if sy := dot(sk, yk); sy > 1e-12 {
			if len(s) == memory {
				s, y, rho = s[1:], y[1:], rho[1:]
			}
			s = append(s, sk)
			y = append(y, yk)
			rho = append(rho, 1/sy)
		}
		if improved < 1e-9*max(1, math.Abs(fx)) {
			return
		}
	}
}

// pseudoGradient is the gradient of f + l1·|x| where it exists, and its
// smallest-norm subgradient where a weight is zero.
func pseudoGradient(pg, x, g []float64, l1 float64, penalized int) {
	copy(pg, g)
	for i := range penalized {
		switch {
		case x[i] < 0:
			pg[i] = g[i] - l1
		case x[i] > 0:
			pg[i] = g[i] + l1
		case g[i]+l1 < 0:
			pg[i] = g[i] + l1
		case g[i]-l1 > 0:
			pg[i] = g[i] - l1
		default:
			pg[i] = 0
		}
	}
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func l2norm(a []float64) float64 { return math.Sqrt(dot(a, a)) }

func axpy(a float64, x, y []float64) {
	for i := range x {
		y[i] += a * x[i]
	}
}

func scale(a float64, x []float64) {
	for i := range x {
		x[i] *= a
	}
}
