// Package sample is the mutation tester's fixture: each function holds mutants of one kind, and sample_test.go
// kills some of them and lets others live, so the tester's counts are known in advance.
package sample

import "github.com/digit-iac/digit/hack/mutate/testdata/sample/twice"

// Quadruple is tested here; its one mutant lives in package twice.
func Quadruple(n int) int { return twice.Twice(twice.Twice(n)) }

// Clamp: its tests never try a bound itself, so the two boundary mutants survive; the negations are killed.
func Clamp(n, lo, hi int) int {
	if n < lo {
		return lo
	}
	if n > hi {
		return hi
	}
	return n
}

func Both(a, b bool) bool { return a && b }

func Double(n int) int { return n * 2 }

func Neg(n int) int { return -n }

// Index returns the index of the first x in xs, or len(xs).
func Index(xs []int, x int) int {
	i := 0
	for _, v := range xs {
		if v == x {
			break
		}
		i++
	}
	return i
}

// Spin counts to n; its i-- mutant never ends.
func Spin(n int) int {
	s := 0
	for i := 0; i < n; i++ {
		s++
	}
	return s
}

// Uncovered is called by no test.
func Uncovered(a, b int) bool { return a == b }

// Concat's + cannot become a -: not viable.
func Concat(a, b string) string { return a + b }

const limit = 2 * 3 // constants are not mutated
