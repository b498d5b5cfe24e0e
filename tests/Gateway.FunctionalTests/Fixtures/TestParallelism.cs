// Four test classes at once instead of one per core (two here). These tests mostly wait on real time (timeouts,
// windows, probes, drain delays), not on the CPU: at two at a time the run used about 30% of the two cores, and at
// four the parallel part went from 122 s to 73 s with the same per-test durations. The tests that read process-wide
// counters or are sensitive to CPU starvation stay in SerialGroup, which still runs alone after these.
[assembly: CollectionBehavior(MaxParallelThreads = 4)]
