package sample

import "testing"

func TestClamp(t *testing.T) {
	if Clamp(5, 0, 10) != 5 || Clamp(-1, 0, 10) != 0 || Clamp(11, 0, 10) != 10 {
		t.Fatal("Clamp")
	}
}

func TestArithmetic(t *testing.T) {
	if Both(true, false) || Double(3) != 6 || Neg(2) != -2 || limit != 6 {
		t.Fatal("arithmetic")
	}
}

func TestLoops(t *testing.T) {
	if Index([]int{1, 2, 3}, 2) != 1 || Spin(3) != 3 {
		t.Fatal("loops")
	}
}

func TestConcat(t *testing.T) {
	if Concat("a", "b") != "ab" || Quadruple(3) != 12 {
		t.Fatal("Concat")
	}
}
