// Package twice has no tests of its own: the tester judges it by sample's (the argument twice=sample).
package twice

func Twice(n int) int { return n * 2 }
