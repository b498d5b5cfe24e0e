using System.Threading.RateLimiting;

namespace Gateway.RateLimiting;

/// <summary>One configured policy, ready to decide: a bucket per partition, local or shared through Redis.</summary>
internal interface IRateLimitPolicy : IDisposable
{
    string Name { get; }

    RateLimitPolicyOptions Options { get; }

    /// <summary>The precomputed <c>RateLimit-Policy</c> header value.</summary>
    string PolicyHeader { get; }

    /// <summary>Takes one permit for <paramref name="partition"/> or says why not.</summary>
    ValueTask<RateLimitDecision> AcquireAsync(string partition, CancellationToken cancellationToken);
}

/// <summary>The answer for one request.</summary>
/// <param name="Allowed">Whether the request may pass.</param>
/// <param name="Remaining">Permits left in the partition's bucket after this decision, as far as this instance knows.</param>
/// <param name="Reset">When a permit is due (rejected) or the bucket is whole again at the latest (allowed).</param>
/// <param name="Lease">A lease to dispose of when the request ends (a Concurrency permit); may be null.</param>
internal readonly record struct RateLimitDecision(bool Allowed, long Remaining, TimeSpan Reset, RateLimitLease? Lease);
