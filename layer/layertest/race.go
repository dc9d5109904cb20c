//go:build race

package layertest

// raceEnabled shrinks the workloads (as -short does) under the race detector.
const raceEnabled = true
