using BenchmarkDotNet.Running;

if (args.Length > 0 && args[0] == "--alloc")
{
    return await Gateway.Benchmarks.AllocationBreakdown.RunAsync(args);
}

if (args.Length > 0 && args[0] == "--refusals")
{
    return await Gateway.Benchmarks.RefusalAllocation.RunAsync(args);
}

BenchmarkSwitcher.FromAssembly(typeof(Gateway.Benchmarks.ResiliencePipelineBenchmarks).Assembly).Run(args);
return 0;
