package main

import "testing"

func TestMaxProcs(t *testing.T) {
	cases := []struct {
		name       string
		configured int
		env        string
		cpus       int
		want       int
	}{
		{"default adds spare Ps for threads blocked in disk I/O", 0, "", 2, 2 + extraProcs},
		{"configured value is used as is", 3, "", 2, 3},
		{"GOMAXPROCS in the environment wins", 3, "1", 2, 0},
		{"GOMAXPROCS wins over the default too", 0, "8", 2, 0},
	}
	for _, c := range cases {
		if got := maxProcs(c.configured, c.env, c.cpus); got != c.want {
			t.Errorf("%s: maxProcs(%d, %q, %d) = %d, want %d", c.name, c.configured, c.env, c.cpus, got, c.want)
		}
	}
}

func TestGeneratorProcs(t *testing.T) {
	cases := []struct {
		name       string
		configured int
		env        string
		batchSize  int
		cpus       int
		want       int
	}{
		{"PutRecord gets spare Ps", 0, "", 1, 2, 2 + extraProcs},
		{"PutRecordBatch keeps one P per CPU", 0, "", 500, 2, 0},
		{"--procs is used as is", 3, "", 500, 2, 3},
		{"GOMAXPROCS in the environment wins", 3, "1", 1, 2, 0},
	}
	for _, c := range cases {
		if got := generatorProcs(c.configured, c.env, c.batchSize, c.cpus); got != c.want {
			t.Errorf("%s: generatorProcs(%d, %q, %d, %d) = %d, want %d", c.name, c.configured, c.env, c.batchSize, c.cpus, got, c.want)
		}
	}
}
