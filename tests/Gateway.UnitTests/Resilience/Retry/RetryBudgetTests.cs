using Gateway.Resilience;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Resilience;

public sealed class RetryBudgetTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static int Withdraw(RetryBudget budget, int attempts)
    {
        var granted = 0;
        for (var i = 0; i < attempts; i++)
        {
            granted += budget.TryWithdraw() ? 1 : 0;
        }

        return granted;
    }

    [Fact]
    public void TryWithdraw_AllowsBudgetPercentOfRequests()
    {
        var budget = new RetryBudget(budgetPercent: 20, minRetriesPerSecond: 0, _time);
        for (var i = 0; i < 200; i++)
        {
            budget.RecordRequest();
        }

        Assert.Equal(40, Withdraw(budget, 100));
    }

    [Fact]
    public void TryWithdraw_QuietCluster_GetsTheMinimumPerWindow()
    {
        var budget = new RetryBudget(budgetPercent: 20, minRetriesPerSecond: 3, _time);
        budget.RecordRequest();

        // 3 per second over the 10 s window.
        Assert.Equal(30, Withdraw(budget, 100));
    }

    [Fact]
    public void TryWithdraw_OldRequestsAndRetriesLeaveTheWindow()
    {
        var budget = new RetryBudget(budgetPercent: 10, minRetriesPerSecond: 0, _time);
        for (var i = 0; i < 100; i++)
        {
            budget.RecordRequest();
        }

        Assert.Equal(10, Withdraw(budget, 20));
        _time.Advance(TimeSpan.FromSeconds(5));
        for (var i = 0; i < 100; i++)
        {
            budget.RecordRequest();
        }

        // 200 requests and 10 retries in the window: 10 more.
        Assert.Equal(10, Withdraw(budget, 20));

        // The first 100 requests and their 10 retries have slid out; 100 requests and 10 retries remain.
        _time.Advance(TimeSpan.FromSeconds(5.5));
        Assert.Equal(0, Withdraw(budget, 5));

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(0, Withdraw(budget, 5));
        budget.RecordRequest();
        Assert.Equal(0, Withdraw(budget, 5));
    }

    [Fact]
    public void TryWithdraw_ZeroPercentAndNoMinimum_NeverRetries()
    {
        var budget = new RetryBudget(budgetPercent: 0, minRetriesPerSecond: 0, _time);
        for (var i = 0; i < 1000; i++)
        {
            budget.RecordRequest();
        }

        Assert.False(budget.TryWithdraw());
    }

    [Fact]
    public async Task TryWithdraw_ConcurrentRetries_NeverOvershoot()
    {
        var budget = new RetryBudget(budgetPercent: 20, minRetriesPerSecond: 0, _time);
        for (var i = 0; i < 1000; i++)
        {
            budget.RecordRequest();
        }

        var granted = 0;
        await Parallel.ForAsync(0, 1000, (_, _) =>
        {
            if (budget.TryWithdraw())
            {
                Interlocked.Increment(ref granted);
            }

            return ValueTask.CompletedTask;
        });

        Assert.Equal(200, granted);
    }
}
