using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Gateway.Benchmarks.ResiliencePipelineBenchmarks).Assembly).Run(args);
