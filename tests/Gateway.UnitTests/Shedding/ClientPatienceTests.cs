using Gateway.Shedding;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.UnitTests.Shedding;

public sealed class ClientPatienceTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private long Ticks(double seconds) => (long)(seconds * _time.TimestampFrequency);

    private void AbandonAfter(ClientPatience patience, double waitedSeconds, int count)
    {
        for (var i = 0; i < count; i++)
        {
            patience.Abandoned(Ticks(waitedSeconds), _time.GetTimestamp());
        }
    }

    // A crowd: count queued clients cut off at one instant after waits spaced evenly from nothing.
    private void LeaveTogether(ClientPatience patience, int count, double spacingSeconds, bool oldestFirst)
    {
        for (var i = 0; i < count; i++)
        {
            var position = oldestFirst ? count - 1 - i : i;
            patience.Abandoned(Ticks(spacingSeconds * position), _time.GetTimestamp());
        }
    }

    [Fact]
    public void Wait_NobodyGaveUp_IsTheConfiguredWait()
    {
        var patience = new ClientPatience(_time);

        Assert.Equal(Ticks(2), patience.Wait(Ticks(2), Ticks(0.05), _time.GetTimestamp()));
        Assert.False(patience.Known(_time.GetTimestamp()));
    }

    [Fact]
    public void Wait_AFewImpatientCallers_SayNothingAboutTheRest()
    {
        var patience = new ClientPatience(_time);

        AbandonAfter(patience, 0.1, SheddingConstants.MinAbandonmentsPerSecond - 1);
        _time.Advance(TimeSpan.FromSeconds(1.5));
        AbandonAfter(patience, 0.1, SheddingConstants.MinAbandonmentsPerSecond - 1);

        Assert.Equal(Ticks(2), patience.Wait(Ticks(2), 0, _time.GetTimestamp()));
    }

    [Fact]
    public void Wait_ClientsGiveUpAfterOneSecond_HeldUnderTheirPatienceLessTwiceTheLatency()
    {
        var patience = new ClientPatience(_time);

        AbandonAfter(patience, 0.95, SheddingConstants.MinAbandonmentsPerSecond);

        Assert.True(patience.Known(_time.GetTimestamp()));
        Assert.Equal(Ticks(0.85), patience.Wait(Ticks(2), Ticks(0.05), _time.GetTimestamp()), Ticks(0.001));
        // Never longer than configured, and never under half the patience however slow the backend.
        Assert.Equal(Ticks(0.5), patience.Wait(Ticks(0.5), Ticks(0.05), _time.GetTimestamp()));
        Assert.Equal(Ticks(0.475), patience.Wait(Ticks(2), Ticks(1), _time.GetTimestamp()), Ticks(0.001));
    }

    [Fact]
    public void Wait_NoAbandonmentsForTheMemory_ForgetsThePatience()
    {
        var patience = new ClientPatience(_time);
        AbandonAfter(patience, 0.95, SheddingConstants.MinAbandonmentsPerSecond);

        _time.Advance(SheddingConstants.ClientPatienceMemory - TimeSpan.FromSeconds(1));
        Assert.True(patience.Known(_time.GetTimestamp()));
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.False(patience.Known(_time.GetTimestamp()));
        Assert.Equal(Ticks(2), patience.Wait(Ticks(2), 0, _time.GetTimestamp()));
    }

    [Fact]
    public void Wait_ACrowdLeavingAtOneInstant_TeachesNothing()
    {
        // 200 queued clients cut off together after waits spread over 0-20 ms: a load balancer or a network blip,
        // not their timeouts.
        var patience = new ClientPatience(_time);
        LeaveTogether(patience, 200, 0.0001, oldestFirst: false);

        Assert.False(patience.Known(_time.GetTimestamp()));
        Assert.Equal(Ticks(2), patience.Wait(Ticks(2), 0, _time.GetTimestamp()));
    }

    [Fact]
    public void Wait_ClientsLeavingAroundTheirTimeout_StillTeachIt()
    {
        // 50 clients with a 1 s timeout, seen leaving after 0.95-1.05 s in the queue.
        var patience = new ClientPatience(_time);
        for (var i = 0; i < 50; i++)
        {
            patience.Abandoned(Ticks(0.95 + (0.002 * i)), _time.GetTimestamp());
        }

        Assert.True(patience.Known(_time.GetTimestamp()));
        Assert.Equal(Ticks(0.999), patience.Wait(Ticks(2), 0, _time.GetTimestamp()), Ticks(0.002));
    }

    [Fact]
    public void Wait_ACrowdLeavingOldestFirst_TeachesNothing()
    {
        // 200 queued clients cut off together after waits spread over 0-2 s, oldest first: the first ten waits lie within
        // 0.1 s of each other and, judged alone, taught a patience (the short-wait version refused a benchmark's next
        // window as backlog: 7,510 of 69,627 requests).
        var patience = new ClientPatience(_time);
        LeaveTogether(patience, 200, 0.01, oldestFirst: true);

        Assert.False(patience.Known(_time.GetTimestamp()));
        Assert.Equal(Ticks(2), patience.Wait(Ticks(2), 0, _time.GetTimestamp()));
    }

    [Fact]
    public void Wait_ACrowdAfterClientsWereKnown_KeepsWhatTheyTaught()
    {
        // Clients known to give up after 0.95 s; a second later a crowd leaves oldest first: what the crowd's first
        // waits seemed to say is taken back, and the clients' patience stands.
        var patience = new ClientPatience(_time);
        AbandonAfter(patience, 0.95, SheddingConstants.MinAbandonmentsPerSecond);
        _time.Advance(TimeSpan.FromSeconds(1.5));
        LeaveTogether(patience, 200, 0.01, oldestFirst: true);

        Assert.True(patience.Known(_time.GetTimestamp()));
        Assert.Equal(Ticks(0.95), patience.Wait(Ticks(2), 0, _time.GetTimestamp()), Ticks(0.001));
    }

    [Fact]
    public void Wait_WaitsTooShortForAnyClientsTimeout_TeachNothing()
    {
        // Ten queued requests whose connections all closed after 3 ms in the queue: no client's timeout is that short
        // (one that is sends its deadline), so it is a crowd, however alike the waits.
        var patience = new ClientPatience(_time);

        AbandonAfter(patience, 0.003, 2 * SheddingConstants.MinAbandonmentsPerSecond);

        Assert.False(patience.Known(_time.GetTimestamp()));
    }
}
