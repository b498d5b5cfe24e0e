namespace LoadTests.Load;

/// <summary>One start the open model schedules: its number, its offset from the run's start and its phase.</summary>
internal readonly record struct Arrival(long Index, TimeSpan Offset, int Phase);
